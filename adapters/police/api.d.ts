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
    "/nominals/batch": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Full nominal records for up to 100 PNC IDs.
         * @description PNC IDs the force does not hold are left out of the answer.
         */
        post: operations["getNominalsBatch"];
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
         * New arrests, charges and court disposals, oldest first, after a cursor.
         * @description The force's event feed. Pass the previous page's cursor as `after` to read on; omit it to read from the start of the feed. A cursor from an earlier run of the feed reads the current run from its start.
         */
        get: operations["listNominalEvents"];
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
        NominalEventPage: {
            events: components["schemas"]["NominalEvent"][];
            /** @description Pass as `after` for the events that follow; null while the feed is empty. */
            cursor: string | null;
        };
        /** @description One event about a nominal. ARREST carries the new arrest; CHARGE the charge (the arrest it followed is now recorded as charged); COURT_DISPOSAL the court's decision on a charge. The other two are null. */
        NominalEvent: {
            eventId: string;
            pncId: string;
            /** @enum {string} */
            eventType: "ARREST" | "CHARGE" | "COURT_DISPOSAL";
            /** Format: date-time */
            recordedAt: string;
            arrest: components["schemas"]["Arrest"] | null;
            charge: components["schemas"]["Charge"] | null;
            courtDisposal: components["schemas"]["CourtDisposal"] | null;
        };
        BatchRequest: {
            /** @description PNC IDs. */
            keys: string[];
        };
        NominalBatch: {
            records: components["schemas"]["Nominal"][];
        };
        Nominal: {
            pncId: string;
            arrests: components["schemas"]["Arrest"][];
            charges: components["schemas"]["Charge"][];
            courtDisposals: components["schemas"]["CourtDisposal"][];
            warningSignals: components["schemas"]["WarningSignal"][];
            wantedReport: components["schemas"]["WantedReport"];
            missingReport: components["schemas"]["MissingReport"];
            /** @description The force manages the nominal as a prolific and priority offender. */
            ppoFlag: boolean;
            offenderManager: components["schemas"]["PoliceOfficer"];
        };
        /**
         * @description The force's crime-recording category for the offence.
         * @enum {string}
         */
        OffenceCategory: "burglary" | "robbery" | "theft-from-person" | "vehicle-theft" | "shoplifting" | "violence" | "drugs" | "criminal-damage" | "domestic-abuse" | "public-order" | "weapons";
        Arrest: {
            /** @description The arrest/summons number (ASN). */
            arrestSummonsNumber: string;
            /** Format: date */
            arrestDate: string;
            offenceDescription: string;
            offenceCategory: components["schemas"]["OffenceCategory"];
            /**
             * @description CHARGED charged; RUI released under investigation; NFA no further action; CAUTIONED cautioned.
             * @enum {string}
             */
            arrestOutcome: "CHARGED" | "RUI" | "NFA" | "CAUTIONED";
        };
        Charge: {
            chargeId: string;
            /** @description The arrest the charge followed. */
            arrestSummonsNumber: string;
            /** Format: date */
            chargeDate: string;
            offenceDescription: string;
            offenceCategory: components["schemas"]["OffenceCategory"];
            /** @enum {string} */
            chargeStatus: "AWAITING_TRIAL" | "CONVICTED" | "ACQUITTED" | "DISCONTINUED";
        };
        CourtDisposal: {
            disposalId: string;
            /** @description The charge the court dealt with. */
            chargeId: string;
            /** Format: date */
            hearingDate: string;
            courtName: string;
            offenceDescription: string;
            offenceCategory: components["schemas"]["OffenceCategory"];
            /** @enum {string} */
            adjudication: "GUILTY" | "NOT_GUILTY";
            /** @description The sentence or order, e.g. "Community order 12 months". */
            disposalText: string;
        };
        WarningSignal: {
            /**
             * @description VI violent; WE weapons; DR drugs; MH mental health; SH self-harm; ES escaper; CO contagion.
             * @enum {string}
             */
            code: "VI" | "WE" | "DR" | "MH" | "SH" | "ES" | "CO";
            /** Format: date */
            dateAdded: string;
        };
        /** @description The nominal is circulated as wanted; null when not. */
        WantedReport: {
            /** Format: date */
            circulatedOn: string;
            offenceDescription: string;
        } | null;
        /** @description The nominal is reported missing; null when not. */
        MissingReport: {
            /** Format: date */
            reportedOn: string;
        } | null;
        /** @description The police offender manager; null when none is allocated. */
        PoliceOfficer: {
            name: string;
            unit: string;
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
    getNominalsBatch: {
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
            /** @description The nominals found. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["NominalBatch"];
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
    listNominalEvents: {
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
                    "application/json": components["schemas"]["NominalEventPage"];
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
