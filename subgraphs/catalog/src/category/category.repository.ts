import type { CatalogModels, CategoryDoc } from '../models';

export class SlugTakenError extends Error {}

/** The only code that touches the categories collection. */
export class CategoryRepository {
  constructor(private readonly models: CatalogModels) {}

  async insert(category: Omit<CategoryDoc, 'createdAt'>): Promise<CategoryDoc> {
    try {
      return (await this.models.Category.create(category)).toObject();
    } catch (error) {
      if ((error as { code?: number }).code === 11000) throw new SlugTakenError();
      throw error;
    }
  }

  all(): Promise<CategoryDoc[]> {
    return this.models.Category.find({}).sort({ name: 1 }).lean<CategoryDoc[]>().exec();
  }
}
