-- Console sessions, in the gateway's database so that every replica knows them and a restart signs no one out.
-- The cookie holds a random token; only its SHA-256 is stored, so a database reader cannot take over a session.
CREATE TABLE console_sessions (
  token_hash text PRIMARY KEY,
  principal text NOT NULL,
  csrf_token text NOT NULL,
  id_token text NOT NULL,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL
);
CREATE INDEX console_sessions_expires ON console_sessions (expires_at);

-- Sign-ins under way: the OIDC state, PKCE verifier and nonce, keyed by the state's hash, for ten minutes.
CREATE TABLE console_sign_ins (
  state_hash text PRIMARY KEY,
  code_verifier text NOT NULL,
  nonce text NOT NULL,
  return_to text NOT NULL,
  expires_at timestamptz NOT NULL
);

-- Each integrity check run from the console, so the console can say when the chain was last fully verified.
CREATE TABLE console_verifications (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at timestamptz NOT NULL,
  full_check boolean NOT NULL,
  ok boolean NOT NULL,
  checked bigint NOT NULL,
  user_id text NOT NULL
);
