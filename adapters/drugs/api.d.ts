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
    "/service-users/batch": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Case records for up to 100 service users by service reference.
         * @description References the service does not hold are left out of the answer.
         */
        post: operations["getServiceUsersBatch"];
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
         * Drug tests on arrest, oldest first, after a cursor.
         * @description The agency's event feed. Pass the previous page's cursor as `after` to read on; omit it to read from the start of the feed. A cursor from an earlier run of the feed reads the current run from its start.
         */
        get: operations["listServiceUserEvents"];
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
        ServiceUserEventPage: {
            events: components["schemas"]["ServiceUserEvent"][];
            /** @description Pass as `after` for the events that follow; null while the feed is empty. */
            cursor: string | null;
        };
        /** @description A drug test on arrest recorded for a service user, positive or negative. */
        ServiceUserEvent: {
            eventId: string;
            serviceUserRef: string;
            /** @enum {string} */
            eventType: "TEST_ON_ARREST";
            /** Format: date-time */
            recordedAt: string;
            test: components["schemas"]["TestOnArrest"];
        };
        BatchRequest: {
            /** @description Service references. */
            keys: string[];
        };
        ServiceUserBatch: {
            records: components["schemas"]["ServiceUser"][];
        };
        ServiceUser: {
            serviceUserRef: string;
            testsOnArrest: components["schemas"]["TestOnArrest"][];
            requiredAssessment: components["schemas"]["RequiredAssessment"];
            treatmentEpisode: components["schemas"]["TreatmentEpisode"];
            topReviews: components["schemas"]["TopReview"][];
            consent: components["schemas"]["ConsentToShare"];
        };
        TestOnArrest: {
            /** Format: date */
            testDate: string;
            /** @enum {string} */
            result: "POSITIVE" | "NEGATIVE";
            substancesDetected: components["schemas"]["Substance"][];
        };
        /** @enum {string} */
        Substance: "OPIATES" | "COCAINE" | "CRACK" | "CANNABIS" | "ALCOHOL" | "BENZODIAZEPINES";
        RequiredAssessment: {
            /** @description Whether a required assessment was imposed after a positive test on arrest. */
            required: boolean;
            /** @description Null until the appointment has been kept or missed. */
            attended: boolean | null;
            /** Format: date */
            appointmentDate: string | null;
        };
        TreatmentEpisode: {
            inTreatment: boolean;
            /** Format: date */
            episodeStartDate: string | null;
            /**
             * @description PHARMACOLOGICAL opioid substitution therapy; PSYCHOSOCIAL psychosocial interventions; INPATIENT_DETOX inpatient detoxification; RESIDENTIAL_REHAB residential rehabilitation.
             * @enum {string|null}
             */
            interventionType: "PHARMACOLOGICAL" | "PSYCHOSOCIAL" | "INPATIENT_DETOX" | "RESIDENTIAL_REHAB" | null;
            keyworker: components["schemas"]["Keyworker"];
        };
        Keyworker: {
            name: string;
            team: string;
            phone: string;
            email: string;
        } | null;
        /** @description A Treatment Outcomes Profile review; day counts are of the last 28 days. */
        TopReview: {
            /** Format: date */
            topDate: string;
            opiateDays: number;
            crackDays: number;
            alcoholDays: number;
            injectedLast28Days: boolean;
        };
        ConsentToShare: {
            consentGiven: boolean;
            /** Format: date */
            consentDate: string | null;
            /** @enum {string|null} */
            consentScope: "IOM_PARTNERSHIP" | "PROBATION_ONLY" | null;
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
    getServiceUsersBatch: {
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
            /** @description The service users found. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ServiceUserBatch"];
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
    listServiceUserEvents: {
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
                    "application/json": components["schemas"]["ServiceUserEventPage"];
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
