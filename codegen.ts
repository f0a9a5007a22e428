import type { CodegenConfig } from '@graphql-codegen/cli';

// Resolver types for each subgraph, generated from its SDL in schema/ (npm run generate).
// Mappers tie each GraphQL type to the record its resolvers actually return.
const shared = {
  federation: true,
  useIndexSignature: true,
  enumsAsTypes: true,
  useTypeImports: true,
  scalars: { DateTime: 'Date' },
};

const config: CodegenConfig = {
  overwrite: true,
  generates: {
    'subgraphs/accounts/src/generated/graphql.ts': {
      schema: 'schema/accounts.graphql',
      plugins: ['typescript', 'typescript-resolvers'],
      config: {
        ...shared,
        contextType: '../context#AccountsContext',
        mappers: { User: '../user/user.repository#UserRecord' },
      },
    },
    'subgraphs/catalog/src/generated/graphql.ts': {
      schema: 'schema/catalog.graphql',
      plugins: ['typescript', 'typescript-resolvers'],
      config: {
        ...shared,
        contextType: '../context#CatalogContext',
        mappers: {
          Product: '../models#ProductDoc',
          Category: '../models#CategoryDoc',
          ProductConnection: '../product/product.service#ProductPage',
        },
      },
    },
    'subgraphs/cart/src/generated/graphql.ts': {
      schema: 'schema/cart.graphql',
      plugins: ['typescript', 'typescript-resolvers'],
      config: {
        ...shared,
        contextType: '../context#CartContext',
        mappers: { Cart: '../cart/cart.model#CartView', CartItem: '../cart/cart.model#CartLine' },
      },
    },
    'subgraphs/search/src/generated/graphql.ts': {
      schema: 'schema/search.graphql',
      plugins: ['typescript', 'typescript-resolvers'],
      config: {
        ...shared,
        contextType: '../context#SearchContext',
        mappers: {
          SearchResult: '../search/search.service#SearchPage',
          SearchHit: '../search/search.service#SearchHitRecord',
        },
      },
    },
    'subgraphs/orders/src/generated/graphql.ts': {
      schema: 'schema/orders.graphql',
      plugins: ['typescript', 'typescript-resolvers'],
      config: {
        ...shared,
        contextType: '../context#OrdersContext',
        mappers: {
          Order: '../order/order.repository#OrderRecord',
          OrderLine: '../order/order.repository#OrderLineRecord',
          OrderConnection: '../order/order.service#OrderPage',
          User: '../order/order.service#UserRef',
        },
      },
    },
    'subgraphs/payments/src/generated/graphql.ts': {
      schema: 'schema/payments.graphql',
      plugins: ['typescript', 'typescript-resolvers'],
      config: {
        ...shared,
        contextType: '../context#PaymentsContext',
        mappers: {
          Payment: '../payment/payment.repository#PaymentRecord',
          Refund: '../payment/payment.repository#RefundRecord',
          Order: '../payment/payment.service#OrderRef',
        },
      },
    },
  },
};

export default config;
