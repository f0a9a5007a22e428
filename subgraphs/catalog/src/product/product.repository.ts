import type { QueryFilter, SortOrder } from 'mongoose';
import type { CatalogModels, ProductDoc } from '../models';
import type { ProductFilter, ProductSort } from './product.inputs';

export class SkuTakenError extends Error {}
export class StaleVersionError extends Error {}

/** Sort key and direction of each sort order; `_id` breaks ties so the order is total. */
const SORTS: Record<ProductSort, { field: '_id' | 'price.amount' | 'nameKey'; direction: 1 | -1 }> = {
  NEWEST: { field: '_id', direction: -1 },
  PRICE_ASC: { field: 'price.amount', direction: 1 },
  PRICE_DESC: { field: 'price.amount', direction: -1 },
  NAME_ASC: { field: 'nameKey', direction: 1 },
};

export type SortKey = string | number;

/** The searchable form of one attribute: `name=value`, lower-cased and trimmed. */
export function attributeKey(name: string, value: string): string {
  return `${name.trim().toLowerCase()}=${value.trim().toLowerCase()}`;
}

export function sortKeyOf(product: ProductDoc, sort: ProductSort): SortKey[] {
  switch (SORTS[sort].field) {
    case '_id':
      return [product._id];
    case 'price.amount':
      return [product.price.amount, product._id];
    case 'nameKey':
      return [product.nameKey, product._id];
  }
}

/** The only code that touches the products collection. */
export class ProductRepository {
  constructor(private readonly models: CatalogModels) {}

  async insert(product: Omit<ProductDoc, 'createdAt' | 'updatedAt'>): Promise<ProductDoc> {
    try {
      const created = await this.models.Product.create(product);
      return created.toObject();
    } catch (error) {
      if ((error as { code?: number }).code === 11000) throw new SkuTakenError();
      throw error;
    }
  }

  /**
   * Apply a change in one atomic single-document update (FerretDB has no multi-document
   * transactions, and none is needed). With `expectedVersion`, a concurrent edit wins and
   * this one fails with StaleVersionError; null when the product does not exist.
   */
  async update(id: string, set: Partial<ProductDoc>, expectedVersion?: number | null): Promise<ProductDoc | null> {
    const filter: QueryFilter<ProductDoc> = { _id: id };
    if (expectedVersion != null) filter.version = expectedVersion;
    const updated = await this.models.Product.findOneAndUpdate(
      filter,
      { $set: set, $inc: { version: 1 } },
      { returnDocument: 'after', lean: true, runValidators: true },
    ).exec();
    if (updated) return updated as ProductDoc;
    if (expectedVersion != null && (await this.models.Product.exists({ _id: id }).exec()))
      throw new StaleVersionError();
    return null;
  }

  /** One query for any number of ids: the DataLoader behind every entity reference. */
  findByIds(ids: readonly string[]): Promise<ProductDoc[]> {
    return this.models.Product.find({ _id: { $in: [...ids] } })
      .lean<ProductDoc[]>()
      .exec();
  }

  findBySku(sku: string): Promise<ProductDoc | null> {
    return this.models.Product.findOne({ sku }).lean<ProductDoc>().exec();
  }

  /** Keyset pagination: `limit` rows strictly after the cursor's sort key. */
  page(filter: ProductFilter, sort: ProductSort, limit: number, after?: SortKey[]): Promise<ProductDoc[]> {
    const { field, direction } = SORTS[sort];
    const query: QueryFilter<ProductDoc> = this.toQuery(filter);
    if (after) {
      const beyond = direction === 1 ? '$gt' : '$lt';
      const [value, id] = after;
      query.$and = [
        ...(query.$and ?? []),
        field === '_id'
          ? { _id: { [beyond]: value } }
          : { $or: [{ [field]: { [beyond]: value } }, { [field]: value, _id: { [beyond]: id } }] },
      ];
    }
    const order: Record<string, SortOrder> =
      field === '_id' ? { _id: direction } : { [field]: direction, _id: direction };
    return this.models.Product.find(query).sort(order).limit(limit).lean<ProductDoc[]>().exec();
  }

  count(filter: ProductFilter): Promise<number> {
    return this.models.Product.countDocuments(this.toQuery(filter)).exec();
  }

  estimatedCount(): Promise<number> {
    return this.models.Product.estimatedDocumentCount().exec();
  }

  private toQuery(filter: ProductFilter): QueryFilter<ProductDoc> {
    const query: QueryFilter<ProductDoc> = { status: filter.status ?? 'ACTIVE' };
    if (filter.category) query.category = filter.category;
    if (filter.minPrice != null || filter.maxPrice != null) {
      query['price.amount'] = {
        ...(filter.minPrice != null ? { $gte: filter.minPrice } : {}),
        ...(filter.maxPrice != null ? { $lte: filter.maxPrice } : {}),
      };
    }
    if (filter.inStock === true) query.stock = { $gt: 0 };
    if (filter.inStock === false) query.stock = 0;
    if (filter.attributes?.length) {
      // Each attribute filter must hold (AND); within one, any of its values (OR). Matched on the
      // derived `attributeKeys` ("name=value", lower-cased), which one multikey index serves —
      // and which FerretDB can query, unlike $elemMatch on sub-document fields.
      query.$and = filter.attributes.map((a) => ({
        attributeKeys: { $in: a.values.map((v) => attributeKey(a.name, v)) },
      }));
    }
    return query;
  }
}
