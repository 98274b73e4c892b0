// Generated from openapi.yaml by openapi-typescript (npm run generate). Do not edit by hand.

export interface paths {
    "/identity-changes": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Every record the system holds, once, then each change to a record's identifying details, in order.
         * @description Read from the start (no cursor) to learn everyone the system holds; keep the cursor of the last page and read after it to learn only what changed since. A later entry for a reference replaces an earlier one.
         */
        get: operations["listIdentityChanges"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/prisoners/batch": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Custody, release and licence details for up to 100 prison numbers.
         * @description Prison numbers NOMIS does not hold are left out of the answer.
         */
        post: operations["getPrisonersBatch"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Admissions and releases, oldest first, after a cursor.
         * @description The agency's event feed. Pass the previous page's cursor as `after` to read on; omit it to read from the start of the feed. A cursor from an earlier run of the feed reads the current run from its start.
         */
        get: operations["listMovementEvents"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        IdentityChangePage: {
            items: components["schemas"]["IdentityChange"][];
            /** @description Where this page ends; pass as after to read on. */
            cursor: string;
            /** @description True when more changes follow now; false at the end of the feed. */
            more: boolean;
        };
        IdentityChange: {
            /** @description The system's own key for the record that changed. */
            reference: string;
            /** @description The record's identifying details as they now stand; null when the system no longer holds the record. */
            identity: {
                reference: string;
                givenName: string;
                familyName: string;
                /** Format: date */
                dateOfBirth: string;
                pnc: string | null;
                cro: string | null;
                nomsNumber: string | null;
                crn: string | null;
            } | null;
        };
        MovementEventPage: {
            events: components["schemas"]["MovementEvent"][];
            /** @description Pass as `after` for the events that follow; null while the feed is empty. */
            cursor: string | null;
        };
        /** @description A movement into (ADM, admission) or out of (REL, release) an establishment. */
        MovementEvent: {
            eventId: string;
            offenderNo: string;
            /** @enum {string} */
            movementType: "ADM" | "REL";
            /** Format: date-time */
            recordedAt: string;
            /** Format: date */
            movementDate: string;
            establishment: components["schemas"]["Establishment"];
            /** @description e.g. "Released on licence", "Recalled to custody". */
            movementReason: string;
        };
        BatchRequest: {
            /** @description Prison numbers. */
            keys: string[];
        };
        PrisonerBatch: {
            records: components["schemas"]["Prisoner"][];
        };
        Prisoner: {
            offenderNo: string;
            /**
             * Format: int64
             * @description The latest booking.
             */
            bookingId: number;
            /**
             * @description IN in custody; OUT released or not yet received.
             * @enum {string}
             */
            inOutStatus: "IN" | "OUT";
            establishment: components["schemas"]["Establishment"];
            /**
             * Format: date
             * @description When the latest booking began.
             */
            receptionDate: string | null;
            sentenceDates: components["schemas"]["SentenceCalculationDates"];
            licenceConditions: components["schemas"]["LicenceCondition"][];
            prisonOffenderManager: components["schemas"]["PrisonOffenderManager"];
        };
        /** @description The establishment of the latest booking; null when there is none. */
        Establishment: {
            /** @description The establishment code, e.g. LEI. */
            agencyId: string;
            /** @description The establishment's name, e.g. "HMP Leeds". */
            description: string;
        } | null;
        SentenceCalculationDates: {
            /**
             * Format: date
             * @description CRD, the date the prisoner is released on licence.
             */
            conditionalReleaseDate: string | null;
            /**
             * Format: date
             * @description LED, the end of licence supervision.
             */
            licenceExpiryDate: string | null;
            /**
             * Format: date
             * @description SED, the end of the sentence.
             */
            sentenceExpiryDate: string | null;
            /**
             * Format: date
             * @description The date the prisoner was (or will be) released.
             */
            actualReleaseDate: string | null;
        };
        LicenceCondition: {
            conditionCode: string;
            conditionText: string;
        };
        /** @description The allocated prison offender manager; null when none is allocated. */
        PrisonOffenderManager: {
            staffName: string;
            team: string;
            telephone: string;
            email: string;
        } | null;
        Problem: {
            error: string;
        };
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    listIdentityChanges: {
        parameters: {
            query?: {
                /** @description The cursor of the last page read; omit to read from the start. */
                after?: string;
                limit?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description One page of changes. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["IdentityChangePage"];
                };
            };
            /** @description The cursor or limit is not valid. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description The cursor is no longer served (the feed was rebuilt); read again from the start. */
            410: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getPrisonersBatch: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["BatchRequest"];
            };
        };
        responses: {
            /** @description The prisoners found. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PrisonerBatch"];
                };
            };
            /** @description The request body is not valid. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    listMovementEvents: {
        parameters: {
            query?: {
                /** @description The cursor of the previous page. */
                after?: string;
                limit?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The next events, at most `limit` of them. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["MovementEventPage"];
                };
            };
            /** @description The cursor or limit is not valid. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
}
