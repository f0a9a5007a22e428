import type { CatalogModels, CategoryDoc, ProductDoc } from './models';
import { attributeKey } from './product/product.repository';

export interface SeedProduct extends Omit<ProductDoc, 'nameKey' | 'attributeKeys' | 'version' | 'updatedAt' | '_id'> {
  id: string;
}

/**
 * Write a sample catalog in batches (insertMany, 100 documents per round trip), deriving the same
 * fields the product service derives. Only when the catalog is empty.
 */
export async function writeCatalogSample(
  models: CatalogModels,
  sample: { categories: { slug: string; name: string; description: string }[]; products: SeedProduct[] },
  onProgress: (written: number) => void,
): Promise<'written' | 'not-empty'> {
  if ((await models.Product.estimatedDocumentCount().exec()) > 0) return 'not-empty';
  const categories: Omit<CategoryDoc, 'createdAt'>[] = sample.categories.map((c) => ({
    _id: c.slug,
    name: c.name,
    description: c.description,
  }));
  await models.Category.insertMany(categories, { ordered: false }).catch((error: { code?: number }) => {
    if (error.code !== 11000) throw error; // categories kept from an earlier, interrupted seed
  });
  for (let i = 0; i < sample.products.length; i += 100) {
    const batch = sample.products.slice(i, i + 100).map(({ id, ...p }) => ({
      ...p,
      _id: id,
      nameKey: p.name.toLowerCase(),
      attributeKeys: p.attributes.map((a) => attributeKey(a.name, a.value)),
      version: 1,
      updatedAt: p.createdAt,
    }));
    await models.Product.insertMany(batch, { ordered: true });
    onProgress(batch.length);
  }
  return 'written';
}
