/**
 * The deterministic sample store: the same categories, products, users and wishlists on every
 * machine and every run (a fixed faker seed; ids derived from it). Pure: no store is touched here.
 */
import { Faker, en } from '@faker-js/faker';
import { v7 as uuidv7 } from 'uuid';

export interface SampleCategory {
  slug: string;
  name: string;
  description: string;
}

export interface SampleProduct {
  id: string;
  sku: string;
  name: string;
  description: string;
  price: { amount: number; currency: 'EUR' };
  category: string;
  attributes: { name: string; value: string }[];
  stock: number;
  status: 'ACTIVE' | 'ARCHIVED';
  createdAt: Date;
}

export interface SampleUser {
  id: string;
  email: string;
  name: string;
  createdAt: Date;
  wishlist: string[];
}

export interface SampleOrder {
  id: string;
  customerId: string;
  status: 'PENDING_PAYMENT' | 'PAID' | 'SHIPPED' | 'DELIVERED' | 'CANCELLED';
  placedAt: Date;
  lines: { productId: string; productName: string; unitPrice: number; quantity: number }[];
}

export interface SamplePayment {
  id: string;
  orderId: string;
  customerId: string;
  amount: number;
  status: 'AUTHORIZED' | 'CAPTURED';
  card: { brand: string; last4: string; expMonth: number; expYear: number };
  createdAt: Date;
}

export interface SampleCart {
  userId: string;
  items: { productId: string; quantity: number }[];
}

export interface Sample {
  categories: SampleCategory[];
  products: SampleProduct[];
  /** The customers. */
  users: SampleUser[];
  /** One back-office user, granted the staff role by the seed (SAMPLE_STAFF_EMAIL). */
  staff: SampleUser;
  orders: SampleOrder[];
  payments: SamplePayment[];
  carts: SampleCart[];
}

/** The simulated processor's approving test cards (docs/adr/0006), as a payment records them. */
const TEST_CARDS = [
  { brand: 'visa', last4: '4242' },
  { brand: 'mastercard', last4: '4444' },
];

/** Every sample user signs in with this password (documented in the README). */
export const SAMPLE_PASSWORD = 'polystore-demo';

/** The sample staff user's email (documented in the README); the password is SAMPLE_PASSWORD. */
export const SAMPLE_STAFF_EMAIL = 'staff@example.com';

type AttributeSpec = Record<string, readonly string[]>;

const COLOURS = ['black', 'white', 'grey', 'red', 'blue', 'green', 'yellow', 'oak', 'walnut', 'brass'] as const;

/** Categories, what their products are called, and which attributes they carry. */
const CATALOG: {
  slug: string;
  name: string;
  nouns: readonly string[];
  attributes: AttributeSpec;
  price: [number, number];
}[] = [
  {
    slug: 'lighting',
    name: 'Lighting',
    nouns: ['Lamp', 'Pendant', 'Floor Lamp', 'Desk Lamp', 'Lantern', 'Wall Light'],
    attributes: { colour: COLOURS, wattage: ['4W', '6W', '9W', '12W'], socket: ['E14', 'E27', 'GU10'] },
    price: [1_900, 34_900],
  },
  {
    slug: 'furniture',
    name: 'Furniture',
    nouns: ['Chair', 'Table', 'Stool', 'Bookcase', 'Sideboard', 'Bench'],
    attributes: {
      colour: COLOURS,
      material: ['oak', 'pine', 'steel', 'rattan', 'beech'],
      assembly: ['required', 'none'],
    },
    price: [4_900, 129_900],
  },
  {
    slug: 'kitchen',
    name: 'Kitchen',
    nouns: ['Pan', 'Knife', 'Kettle', 'Cutting Board', 'Mug', 'Teapot', 'Grinder'],
    attributes: { material: ['cast iron', 'stainless steel', 'ceramic', 'bamboo'], dishwasher: ['safe', 'hand wash'] },
    price: [900, 24_900],
  },
  {
    slug: 'textiles',
    name: 'Textiles',
    nouns: ['Throw', 'Cushion', 'Rug', 'Curtain', 'Duvet Cover', 'Towel'],
    attributes: { colour: COLOURS, material: ['cotton', 'linen', 'wool', 'jute'], size: ['S', 'M', 'L', 'XL'] },
    price: [1_500, 39_900],
  },
  {
    slug: 'garden',
    name: 'Garden',
    nouns: ['Planter', 'Hose', 'Trowel', 'Bird Feeder', 'Watering Can', 'Parasol'],
    attributes: { material: ['terracotta', 'zinc', 'plastic', 'teak'], outdoor: ['yes'] },
    price: [700, 49_900],
  },
  {
    slug: 'electronics',
    name: 'Electronics',
    nouns: ['Speaker', 'Headphones', 'Charger', 'Radio', 'Smart Plug', 'Alarm Clock'],
    attributes: {
      colour: ['black', 'white', 'grey'],
      connectivity: ['bluetooth', 'wifi', 'wired'],
      battery: ['none', '10h', '20h'],
    },
    price: [1_900, 59_900],
  },
  {
    slug: 'stationery',
    name: 'Stationery',
    nouns: ['Notebook', 'Pen', 'Planner', 'Desk Organiser', 'Pencil Case'],
    attributes: { colour: COLOURS, format: ['A4', 'A5', 'A6'], paper: ['dotted', 'lined', 'plain'] },
    price: [300, 4_900],
  },
  {
    slug: 'outdoor',
    name: 'Outdoor',
    nouns: ['Tent', 'Sleeping Bag', 'Backpack', 'Camping Stove', 'Flask', 'Hammock'],
    attributes: {
      colour: ['green', 'blue', 'red', 'grey'],
      weight: ['light', 'standard'],
      season: ['2-season', '3-season', '4-season'],
    },
    price: [1_500, 89_900],
  },
];

export interface SampleSize {
  products: number;
  users: number;
}

export const DEFAULT_SAMPLE_SIZE: SampleSize = { products: 1_200, users: 300 };

/** Generate the sample. Same size in, same sample out, on every machine. */
export function generateSample(size: SampleSize = DEFAULT_SAMPLE_SIZE, seed = 20261123): Sample {
  const faker = new Faker({ locale: [en] });
  faker.seed(seed);
  const base = Date.UTC(2026, 0, 1);
  const id = (msecs: number) =>
    uuidv7({
      msecs,
      seq: 0,
      random: Uint8Array.from(faker.helpers.multiple(() => faker.number.int(255), { count: 16 })),
    });

  const categories = CATALOG.map(({ slug, name }) => ({
    slug,
    name,
    description: `${name} for every room of the house.`,
  }));
  const products: SampleProduct[] = [];
  const names = new Set<string>();
  for (let i = 0; i < size.products; i++) {
    const spec = CATALOG[i % CATALOG.length]!;
    const noun = faker.helpers.arrayElement(spec.nouns);
    let name = `${faker.commerce.productAdjective()} ${faker.commerce.productMaterial()} ${noun}`;
    if (names.has(name)) name = `${name} ${faker.string.alpha({ length: 2, casing: 'upper' })}${i}`;
    names.add(name);
    const attributes = Object.entries(spec.attributes)
      .filter(() => faker.datatype.boolean(0.85))
      .map(([attribute, values]) => ({ name: attribute, value: faker.helpers.arrayElement(values) }));
    const createdAt = new Date(base + i * 3_600_000);
    products.push({
      id: id(createdAt.getTime()),
      sku: `${spec.slug.slice(0, 3).toUpperCase()}-${String(i + 1).padStart(5, '0')}`,
      name,
      description: faker.commerce.productDescription(),
      price: {
        amount: Math.round(faker.number.int({ min: spec.price[0], max: spec.price[1] }) / 100) * 100 - 1,
        currency: 'EUR',
      },
      category: spec.slug,
      attributes,
      stock: faker.datatype.boolean(0.1) ? 0 : faker.number.int({ min: 1, max: 250 }),
      status: faker.datatype.boolean(0.02) ? 'ARCHIVED' : 'ACTIVE',
      createdAt,
    });
  }

  const active = products.filter((p) => p.status === 'ACTIVE').map((p) => p.id);
  const users: SampleUser[] = [];
  for (let i = 0; i < size.users; i++) {
    const first = faker.person.firstName();
    const last = faker.person.lastName();
    const createdAt = new Date(base + i * 7_200_000);
    users.push({
      id: id(createdAt.getTime()),
      email: `${first}.${last}.${i + 1}@example.com`.toLowerCase().replace(/[^a-z0-9.@]/g, ''),
      name: `${first} ${last}`,
      createdAt,
      wishlist: faker.helpers.arrayElements(active, { min: 0, max: 8 }),
    });
  }
  // A third of the users have ordered before; a quarter have something in their cart.
  const activeProducts = products.filter((p) => p.status === 'ACTIVE');
  const orders: SampleOrder[] = [];
  const payments: SamplePayment[] = [];
  const carts: SampleCart[] = [];
  for (const user of users) {
    if (faker.datatype.boolean(1 / 3)) {
      const count = faker.number.int({ min: 1, max: 5 });
      for (let n = 0; n < count; n++) {
        const placedAt = new Date(
          user.createdAt.getTime() + (n + 1) * 86_400_000 * faker.number.int({ min: 1, max: 20 }),
        );
        const lines = faker.helpers.arrayElements(activeProducts, { min: 1, max: 4 }).map((p) => ({
          productId: p.id,
          productName: p.name,
          unitPrice: p.price.amount,
          quantity: faker.number.int({ min: 1, max: 3 }),
        }));
        const status = faker.helpers.weightedArrayElement([
          { weight: 2, value: 'PENDING_PAYMENT' as const },
          { weight: 3, value: 'PAID' as const },
          { weight: 2, value: 'SHIPPED' as const },
          { weight: 4, value: 'DELIVERED' as const },
          { weight: 1, value: 'CANCELLED' as const },
        ]);
        const order: SampleOrder = { id: id(placedAt.getTime()), customerId: user.id, status, placedAt, lines };
        orders.push(order);
        if (status !== 'CANCELLED' && (status !== 'PENDING_PAYMENT' || faker.datatype.boolean(0.5))) {
          const card = faker.helpers.arrayElement(TEST_CARDS);
          payments.push({
            id: id(placedAt.getTime() + 60_000),
            orderId: order.id,
            customerId: user.id,
            amount: lines.reduce((sum, l) => sum + l.unitPrice * l.quantity, 0),
            status: status === 'PENDING_PAYMENT' ? 'AUTHORIZED' : 'CAPTURED',
            card: { ...card, expMonth: faker.number.int({ min: 1, max: 12 }), expYear: 2028 + faker.number.int(3) },
            createdAt: new Date(placedAt.getTime() + 60_000),
          });
        }
      }
    }
    if (faker.datatype.boolean(0.25)) {
      carts.push({
        userId: user.id,
        items: faker.helpers
          .arrayElements(activeProducts, { min: 1, max: 5 })
          .map((p) => ({ productId: p.id, quantity: faker.number.int({ min: 1, max: 4 }) })),
      });
    }
  }
  // drawn last, so adding it changed none of the sample above
  const staffCreatedAt = new Date(base - 86_400_000);
  const staff: SampleUser = {
    id: id(staffCreatedAt.getTime()),
    email: SAMPLE_STAFF_EMAIL,
    name: 'Sam Staff',
    createdAt: staffCreatedAt,
    wishlist: [],
  };
  return { categories, products, users, staff, orders, payments, carts };
}
