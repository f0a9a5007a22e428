// Runs once, when the official mongo image initialises its data volume: the catalog's own user,
// with rights on the catalog database only (least privilege, like the PostgreSQL roles).
db.getSiblingDB('catalog').createUser({
  user: 'catalog',
  pwd: process.env.CATALOG_MONGO_PASSWORD,
  roles: [{ role: 'readWrite', db: 'catalog' }],
});
