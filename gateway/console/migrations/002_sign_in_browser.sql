-- The hash of the random value the sign-in's cookie holds: a callback finishes a sign-in only in the browser that began it.
ALTER TABLE console_sign_ins ADD COLUMN browser_hash text NOT NULL DEFAULT '';
