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
    "/clients/batch": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Full case details for up to 100 clients by housing reference.
         * @description References the system does not hold are left out of the answer.
         */
        post: operations["getClientsBatch"];
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
         * Changes in clients' accommodation, oldest first, after a cursor.
         * @description The agency's event feed. Pass the previous page's cursor as `after` to read on; omit it to read from the start of the feed. A cursor from an earlier run of the feed reads the current run from its start.
         */
        get: operations["listClientEvents"];
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
        ClientEventPage: {
            events: components["schemas"]["ClientEvent"][];
            /** @description Pass as `after` for the events that follow; null while the feed is empty. */
            cursor: string | null;
        };
        /** @description A change in how a client is housed, with the status before and after. */
        ClientEvent: {
            eventId: string;
            housingRef: string;
            /** @enum {string} */
            eventType: "ACCOMMODATION_LOST" | "ACCOMMODATION_SECURED";
            /** Format: date-time */
            recordedAt: string;
            previous: components["schemas"]["Accommodation"];
            current: components["schemas"]["Accommodation"];
        };
        BatchRequest: {
            /** @description Housing references. */
            keys: string[];
        };
        ClientBatch: {
            records: components["schemas"]["Client"][];
        };
        Client: {
            housingRef: string;
            accommodation: components["schemas"]["Accommodation"];
            currentAddress: components["schemas"]["Address"];
            supportReferrals: components["schemas"]["SupportReferral"][];
            staffSafetyAlerts: components["schemas"]["StaffSafetyAlert"][];
            caseOfficer: components["schemas"]["CaseOfficer"];
        };
        Accommodation: {
            /**
             * @description SETTLED settled accommodation; TEMP temporary accommodation; SUPPORTED supported housing; ROUGH_SLEEPER verified rough sleeper; NFA no fixed abode.
             * @enum {string}
             */
            statusCode: "SETTLED" | "TEMP" | "SUPPORTED" | "ROUGH_SLEEPER" | "NFA";
            /**
             * Format: date
             * @description When the current status was recorded.
             */
            statusDate: string;
        };
        /** @description The client's current address; null when they have none. */
        Address: {
            addressLine1: string;
            town: string;
            postcode: string;
        } | null;
        SupportReferral: {
            /** @description The support service referred to. */
            provider: string;
            /** Format: date */
            referralDate: string;
            /** @enum {string} */
            referralStatus: "OPEN" | "ACCEPTED" | "DECLINED" | "CLOSED";
        };
        StaffSafetyAlert: {
            /**
             * @description VTS violence to staff; THR threatening behaviour; DOG dog on premises; WPN weapons.
             * @enum {string}
             */
            alertCode: "VTS" | "THR" | "DOG" | "WPN";
            /** Format: date */
            dateAdded: string;
            comment: string;
        };
        CaseOfficer: {
            officerName: string;
            teamName: string;
            telephone: string;
            email: string;
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
    getClientsBatch: {
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
            /** @description The clients found. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ClientBatch"];
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
    listClientEvents: {
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
                    "application/json": components["schemas"]["ClientEventPage"];
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
