import { Schema, type Connection, type Model } from 'mongoose';
import { CURRENCIES } from './config';
import { refuseWhileDown } from './db';

export type ProductStatus = 'ACTIVE' | 'ARCHIVED';

export interface ProductDoc {
  _id: string;
  sku: string;
  name: string;
  /** Lower-cased name: the key NAME_ASC sorts on (FerretDB has no collations). */
  nameKey: string;
  description: string;
  price: { amount: number; currency: (typeof CURRENCIES)[number] };
  category: string;
  attributes: { name: string; value: string }[];
  /** Derived from attributes on every write: `name=value`, lower-cased; what filters match on. */
  attributeKeys: string[];
  stock: number;
  status: ProductStatus;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface CategoryDoc {
  _id: string;
  name: string;
  description: string;
  createdAt: Date;
}

const productSchema = new Schema<ProductDoc>(
  {
    _id: { type: String, required: true },
    sku: { type: String, required: true },
    name: { type: String, required: true },
    nameKey: { type: String, required: true },
    description: { type: String, default: '' },
    price: {
      amount: { type: Number, required: true, min: 0 },
      currency: { type: String, required: true, enum: CURRENCIES },
    },
    category: { type: String, required: true },
    attributes: { type: [{ _id: false, name: String, value: String }], default: [] },
    attributeKeys: { type: [String], default: [] },
    stock: { type: Number, required: true, min: 0, default: 0 },
    status: { type: String, required: true, enum: ['ACTIVE', 'ARCHIVED'], default: 'ACTIVE' },
    version: { type: Number, required: true, default: 1 },
  },
  { collection: 'products', timestamps: true, versionKey: false, autoIndex: false, autoCreate: false, strict: 'throw' },
);

const categorySchema = new Schema<CategoryDoc>(
  {
    _id: { type: String, required: true },
    name: { type: String, required: true },
    description: { type: String, default: '' },
  },
  {
    collection: 'categories',
    timestamps: { createdAt: true, updatedAt: false },
    versionKey: false,
    autoIndex: false,
    autoCreate: false,
  },
);

productSchema.plugin(refuseWhileDown);
categorySchema.plugin(refuseWhileDown);

export interface CatalogModels {
  Product: Model<ProductDoc>;
  Category: Model<CategoryDoc>;
}

export function createModels(connection: Connection): CatalogModels {
  return {
    Product: connection.model<ProductDoc>('Product', productSchema),
    Category: connection.model<CategoryDoc>('Category', categorySchema),
  };
}
