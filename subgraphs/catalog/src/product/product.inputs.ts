import { z } from 'zod';
import { CURRENCIES } from '../config';

export const productId = z.uuid({ message: 'must be a UUID' });
export const productIds = z.array(productId).max(100, 'at most 100 ids');
export const sku = z
  .string()
  .trim()
  .toUpperCase()
  .regex(/^[A-Z0-9][A-Z0-9-]{2,63}$/, 'must be 3 to 64 upper-case letters, digits or dashes');
export const categorySlug = z
  .string()
  .trim()
  .regex(/^[a-z0-9][a-z0-9-]{1,63}$/, 'must be 2 to 64 lower-case letters, digits or dashes');

const name = z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters');
const description = z.string().trim().max(5000, 'must be at most 5000 characters');
const money = z.object({
  amount: z.number().int('must be an integer (minor units)').min(0, 'must not be negative').max(100_000_000),
  currency: z.enum(CURRENCIES),
});
const attributes = z
  .array(
    z.object({
      name: z.string().trim().min(1).max(50),
      value: z.string().trim().min(1).max(200),
    }),
  )
  .max(50, 'at most 50 attributes')
  .refine((list) => new Set(list.map((a) => a.name.toLowerCase())).size === list.length, {
    message: 'attribute names must be unique',
  });
const stock = z.number().int('must be an integer').min(0, 'must not be negative').max(1_000_000);

export const createProductInput = z.object({
  sku,
  name,
  description: description.nullish().transform((d) => d ?? ''),
  price: money,
  category: categorySlug,
  attributes: attributes.nullish().transform((a) => a ?? []),
  stock: stock.nullish().transform((s) => s ?? 0),
});
export type CreateProductInput = z.infer<typeof createProductInput>;

export const updateProductInput = z
  .object({
    name: name.nullish(),
    description: description.nullish(),
    price: money.nullish(),
    category: categorySlug.nullish(),
    attributes: attributes.nullish(),
    stock: stock.nullish(),
    status: z.enum(['ACTIVE', 'ARCHIVED']).nullish(),
    expectedVersion: z.number().int().min(1).nullish(),
  })
  .refine((input) => Object.entries(input).some(([k, v]) => k !== 'expectedVersion' && v != null), {
    message: 'give at least one field to change',
  });
export type UpdateProductInput = z.infer<typeof updateProductInput>;

export const productFilter = z
  .object({
    category: categorySlug.nullish(),
    status: z.enum(['ACTIVE', 'ARCHIVED']).nullish(),
    minPrice: z.number().int().min(0).nullish(),
    maxPrice: z.number().int().min(0).nullish(),
    inStock: z.boolean().nullish(),
    attributes: z
      .array(z.object({ name: z.string().trim().min(1).max(50), values: z.array(z.string().max(200)).min(1).max(50) }))
      .max(10)
      .nullish(),
  })
  .nullish()
  .refine((f) => f?.minPrice == null || f.maxPrice == null || f.minPrice <= f.maxPrice, {
    message: 'minPrice must not exceed maxPrice',
  });
export type ProductFilter = NonNullable<z.infer<typeof productFilter>>;

export const productSort = z.enum(['NEWEST', 'PRICE_ASC', 'PRICE_DESC', 'NAME_ASC']).default('NEWEST');
export type ProductSort = z.infer<typeof productSort>;

export const createCategoryInput = z.object({
  slug: categorySlug,
  name: z.string().trim().min(1).max(100),
  description: z
    .string()
    .trim()
    .max(2000)
    .nullish()
    .transform((d) => d ?? ''),
});
