/**
 * Introspection off where configured (production by default): a partner learns the schema from its
 * documentation, and an attacker does not get a map of every field and data item for free.
 */
import { type ASTVisitor, GraphQLError, type ValidationContext } from 'graphql';
import type { Plugin } from 'graphql-yoga';

function noIntrospection(context: ValidationContext): ASTVisitor {
  return {
    Field(node) {
      if (node.name.value === '__schema' || node.name.value === '__type') {
        context.reportError(
          new GraphQLError('Introspection is turned off on this gateway (GRAPHQL_INTROSPECTION); the schema is published with its documentation.', {
            nodes: [node],
            extensions: { code: 'FORBIDDEN' },
          }),
        );
      }
    },
  };
}

export function useIntrospection(enabled: boolean): Plugin {
  return enabled ? {} : { onValidate: ({ addValidationRule }) => addValidationRule(noIntrospection) };
}
