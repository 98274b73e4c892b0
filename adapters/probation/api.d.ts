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
         * Case summaries for up to 100 cases by CRN.
         * @description CRNs the system does not hold are left out of the answer.
         */
        post: operations["getCaseSummaries"];
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
         * Breach actions on cases, oldest first, after a cursor.
         * @description The agency's event feed. Pass the previous page's cursor as `after` to read on; omit it to read from the start of the feed. A cursor from an earlier run of the feed reads the current run from its start.
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
        CaseEventPage: {
            events: components["schemas"]["CaseEvent"][];
            /** @description Pass as `after` for the events that follow; null while the feed is empty. */
            cursor: string | null;
        };
        /** @description One event on a case. BREACH_INITIATED carries the breach action started. */
        CaseEvent: {
            eventId: string;
            crn: string;
            /** @enum {string} */
            eventType: "BREACH_INITIATED";
            /** Format: date-time */
            recordedAt: string;
            breach: components["schemas"]["BreachAction"];
        };
        BreachAction: {
            /** Format: date */
            breachDate: string;
            /** @description Breaches of the current order or licence, this one included. */
            breachCount: number;
            /** @description The failure to comply that started the action. */
            reason: string;
        };
        CaseBatchRequest: {
            /** @description CRNs. */
            keys: string[];
        };
        CaseBatch: {
            records: components["schemas"]["CaseSummary"][];
        };
        CaseSummary: {
            crn: string;
            /** @description The event (conviction) currently under supervision; null when there is none. */
            activeEvent: components["schemas"]["Event"] | null;
            /** @description Requirements of the active order or licence. */
            requirements: components["schemas"]["Requirement"][];
            compliance: components["schemas"]["Compliance"];
            offenderManager: components["schemas"]["OffenderManager"];
            oasys: components["schemas"]["OasysSummary"];
            /** @description MAPPA category and management level; null when the case is not managed under MAPPA. */
            mappa: components["schemas"]["Mappa"] | null;
            registrations: components["schemas"]["Registration"][];
        };
        Event: {
            sentence: components["schemas"]["Sentence"];
            mainOffence: components["schemas"]["MainOffence"];
        };
        Sentence: {
            disposalType: components["schemas"]["DisposalType"];
            /** @description The sentence as pronounced, e.g. "Community order 12 months". */
            description: string;
            /** Format: date */
            startDate: string;
            /** Format: date */
            expectedEndDate: string;
        };
        DisposalType: {
            /**
             * @description CO community order, SSO suspended sentence order, LIC licence, PSS post-sentence supervision.
             * @enum {string}
             */
            code: "CO" | "SSO" | "LIC" | "PSS";
            description: string;
        };
        MainOffence: {
            description: string;
            /** @enum {string} */
            offenceGroup: "BURGLARY" | "ROBBERY" | "THEFT_FROM_THE_PERSON" | "VEHICLE_OFFENCES" | "SHOPLIFTING" | "VIOLENCE_AGAINST_THE_PERSON" | "DRUG_OFFENCES" | "CRIMINAL_DAMAGE" | "DOMESTIC_ABUSE" | "PUBLIC_ORDER_OFFENCES" | "POSSESSION_OF_WEAPONS";
        };
        Requirement: {
            requirementType: components["schemas"]["RequirementType"];
            /** Format: date */
            startDate: string;
            /** @enum {string} */
            status: "ACTIVE" | "COMPLETED" | "TERMINATED";
        };
        RequirementType: {
            /**
             * @description DRR drug rehabilitation, ATR alcohol treatment, UPW unpaid work, CUR curfew, AP accredited programme, RAR rehabilitation activity, MHTR mental health treatment.
             * @enum {string}
             */
            code: "DRR" | "ATR" | "UPW" | "CUR" | "AP" | "RAR" | "MHTR";
            description: string;
        };
        Compliance: {
            /** @enum {string} */
            currentStatus: "COMPLIANT" | "FAILURE_TO_COMPLY" | "IN_BREACH";
            /** @description Breach actions on the active event. */
            breachCount: number;
            /** Format: date */
            lastBreachDate: string | null;
        };
        OffenderManager: {
            staff: components["schemas"]["Staff"];
            team: components["schemas"]["Team"];
        };
        Staff: {
            forenames: string;
            surname: string;
            email: string | null;
            telephoneNumber: string | null;
        };
        Team: {
            description: string;
        };
        /** @description The latest completed OASys assessment. */
        OasysSummary: {
            rosh: components["schemas"]["RiskOfSeriousHarm"];
            ogrs: components["schemas"]["Ogrs"];
            criminogenicNeeds: components["schemas"]["CriminogenicNeed"][];
        };
        RiskOfSeriousHarm: {
            /** @enum {string} */
            overallRiskLevel: "LOW" | "MEDIUM" | "HIGH" | "VERY_HIGH";
        };
        Ogrs: {
            /** @description OGRS3 two-year proven reoffending probability, percent. */
            ogrs3TwoYear: number;
            /** Format: date */
            calculatedDate: string;
        };
        CriminogenicNeed: {
            /** @enum {string} */
            section: "ACCOMMODATION" | "EDUCATION_TRAINING_AND_EMPLOYABILITY" | "FINANCIAL_MANAGEMENT_AND_INCOME" | "RELATIONSHIPS" | "LIFESTYLE_AND_ASSOCIATES" | "DRUG_MISUSE" | "ALCOHOL_MISUSE" | "THINKING_AND_BEHAVIOUR" | "ATTITUDES" | "EMOTIONAL_WELL_BEING";
            /** @enum {string} */
            severity: "STANDARD" | "SEVERE";
        };
        Mappa: {
            /** @enum {integer} */
            category: 1 | 2 | 3;
            /** @enum {integer} */
            level: 1 | 2 | 3;
        };
        Registration: {
            type: components["schemas"]["RegistrationType"];
            /** Format: date */
            startDate: string;
            notes: string | null;
        };
        RegistrationType: {
            /**
             * @description IIOM integrated offender management (cohort member; the notes give the strand), PPO prolific and other priority offender, MAPP MAPPA, ADVP domestic abuse perpetrator, RCCO child concerns.
             * @enum {string}
             */
            code: "IIOM" | "PPO" | "MAPP" | "ADVP" | "RCCO";
            description: string;
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
    getCaseSummaries: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CaseBatchRequest"];
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
