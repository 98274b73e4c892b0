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
    "/cases/batch": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Full case details for up to 100 cases by reference.
         * @description References the system does not hold are left out of the answer.
         */
        post: operations["getCasesBatch"];
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
         * Reviews of cases' concerns, oldest first, after a cursor.
         * @description Pass the previous page's cursor as `after` to read on; omit it to read from the start of the feed. A cursor from an earlier run of the feed reads the current run from its start.
         */
        get: operations["listCaseEvents"];
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
        BatchRequest: {
            /** @description Case references. */
            keys: string[];
        };
        CaseBatch: {
            records: components["schemas"]["Case"][];
        };
        Case: {
            reference: string;
            caseWorker: components["schemas"]["CaseWorker"];
            /** @description Every court order the child was made subject to, oldest first. */
            orders: components["schemas"]["Order"][];
            assetPlus: components["schemas"]["AssetPlus"];
            safeguardingConcerns: components["schemas"]["SafeguardingConcern"][];
            wellbeingConcerns: components["schemas"]["WellbeingConcern"][];
            transition: components["schemas"]["Transition"];
        };
        Order: {
            /**
             * @description REFERRAL_ORDER a youth offender panel contract (3 to 12 months); YOUTH_REHABILITATION_ORDER a community order with requirements; DETENTION_AND_TRAINING_ORDER custody then supervision in the community.
             * @enum {string}
             */
            orderType: "REFERRAL_ORDER" | "YOUTH_REHABILITATION_ORDER" | "DETENTION_AND_TRAINING_ORDER";
            /** Format: date */
            startDate: string;
            /** Format: date */
            endDate: string;
            ageAtStart: number;
            offenceDescription: string;
            /** @enum {string} */
            status: "ACTIVE" | "COMPLETED" | "BREACHED" | "REVOKED";
        };
        /** @description The latest AssetPlus assessment; null where none was completed. */
        AssetPlus: {
            /** Format: date */
            assessedOn: string;
            /** @enum {string} */
            riskOfSeriousHarm: "LOW" | "MEDIUM" | "HIGH" | "VERY_HIGH";
            /** @enum {string} */
            likelihoodOfReoffending: "LOW" | "MEDIUM" | "HIGH";
        } | null;
        SafeguardingConcern: {
            /** @enum {string} */
            category: "CRIMINAL_EXPLOITATION" | "SEXUAL_EXPLOITATION" | "LOOKED_AFTER_CHILD" | "MISSING_EPISODES" | "DOMESTIC_ABUSE_AT_HOME";
            /** Format: date */
            recordedOn: string;
            note: string;
        };
        WellbeingConcern: {
            /** @enum {string} */
            category: "MENTAL_HEALTH" | "SUBSTANCE_MISUSE" | "SELF_HARM" | "SPEECH_LANGUAGE_COMMUNICATION" | "EDUCATION_EXCLUSION";
            /** Format: date */
            recordedOn: string;
            note: string;
        };
        /** @description The move to adult services at 18. */
        Transition: {
            /** Format: date */
            eighteenthBirthday: string;
            /**
             * @description NOT_DUE under 17 and a half; PLANNED an order runs past 18 and the transfer is being prepared; TRANSFERRED probation took the case on; NOT_REQUIRED no order ran to 18.
             * @enum {string}
             */
            status: "NOT_DUE" | "PLANNED" | "TRANSFERRED" | "NOT_REQUIRED";
            /** @description The probation CRN, once transferred. */
            probationCrn: string | null;
            /** Format: date */
            transferredOn: string | null;
        };
        CaseWorker: {
            name: string;
            team: string;
            telephone: string;
            email: string;
        };
        CaseEventPage: {
            events: components["schemas"]["CaseEvent"][];
            /** @description Pass as `after` for the events that follow; null while the feed is empty. */
            cursor: string | null;
        };
        CaseEvent: {
            eventId: string;
            reference: string;
            /** @enum {string} */
            eventType: "WELLBEING_REVIEWED" | "SAFEGUARDING_REVIEWED";
            /** Format: date-time */
            recordedAt: string;
        };
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
    getCasesBatch: {
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
            /** @description The cases found. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CaseBatch"];
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
    listCaseEvents: {
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
                    "application/json": components["schemas"]["CaseEventPage"];
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
