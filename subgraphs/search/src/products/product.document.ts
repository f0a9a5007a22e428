/**
 * A catalog product as the search service receives it (today from the public graph, later from
 * catalog events), and the document it becomes in the index. Search keeps only what it searches,
 * filters, sorts and counts on; everything a client displays is resolved from the catalog.
 */
export interface CatalogProduct {
  id: string;
  sku: string;
  name: string;
  description: string;
  price: { amount: number; currency: string };
  category: { slug: string; name: string };
  attributes: { name: string; value: string }[];
  stock: number;
  status: 'ACTIVE' | 'ARCHIVED';
  /** The catalog's version of the product: the index keeps the highest it has seen. */
  version: number;
  createdAt: string;
  updatedAt: string;
}

/** The fields of subgraphs/search/index/products.template.json (mapping `dynamic: strict`). */
export interface ProductDocument {
  id: string;
  sku: string;
  name: string;
  description: string;
  attributeText: string[];
  category: string;
  categoryName: string;
  attributeKeys: string[];
  price: number;
  currency: string;
  stock: number;
  inStock: boolean;
  status: 'ACTIVE' | 'ARCHIVED';
  createdAt: string;
  updatedAt: string;
}

/**
 * `name=value`, lower-cased and trimmed: the same rule as the catalog's `attributeKeys`, so an
 * attribute filter means the same thing in `products(filter:)` and in `searchProducts(filter:)`.
 */
export function attributeKey(name: string, value: string): string {
  return `${name.trim().toLowerCase()}=${value.trim().toLowerCase()}`;
}

export function toDocument(product: CatalogProduct): ProductDocument {
  return {
    id: product.id,
    sku: product.sku,
    name: product.name,
    description: product.description,
    attributeText: product.attributes.map((a) => a.value),
    category: product.category.slug,
    categoryName: product.category.name,
    attributeKeys: product.attributes.map((a) => attributeKey(a.name, a.value)),
    price: product.price.amount,
    currency: product.price.currency,
    stock: product.stock,
    inStock: product.stock > 0,
    status: product.status,
    createdAt: product.createdAt,
    updatedAt: product.updatedAt,
  };
}
