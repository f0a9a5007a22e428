/**
 * Every cart operation is this one Lua script, so each request is one atomic Redis round trip:
 * Redis runs a script alone, so parallel requests on one cart can never lose each other's items.
 *
 * A cart is one hash:  `u` → updatedAt (ms)  ·  `i:<productId>` → `<quantity>:<addedAt ms>`
 *
 * KEYS[1]  the cart
 * KEYS[2]  (optional) an anonymous cart to merge into KEYS[1] first, then delete
 * ARGV     op (get | add | set | remove | clear), now (ms), ttl (ms), max items, max quantity,
 *          product id, quantity
 *
 * The script reads the cart (and the anonymous one), applies the merge and the operation in
 * memory, and writes only when both succeed: a rejected operation writes nothing — not even the
 * merge or a TTL refresh. A cart left without items is deleted (an empty cart is not stored).
 *
 * Merge rule (docs/adr/0005-cart.md): a product in both carts keeps the user's addedAt and gets
 * the sum of both quantities, capped at max quantity; a product only in the anonymous cart keeps
 * its own addedAt; anonymous-only products join oldest first while the cart has room for another
 * product, the rest are dropped and counted. The merged cart takes the user's TTL.
 *
 * Returns { 'OK', updatedAt|'' , merged, dropped, pid1, qty1, addedAt1, pid2, ... }
 *      or { 'QUANTITY_LIMIT', current } | { 'ITEM_LIMIT', count } | { 'NOT_IN_CART' }.
 */
export const CART_SCRIPT = `
local cart, anon = KEYS[1], KEYS[2]
local op, now, ttl = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local maxItems, maxQty = tonumber(ARGV[4]), tonumber(ARGV[5])
local pid, qty = ARGV[6], tonumber(ARGV[7])

local function parse(value)
  local q, a = string.match(value, '^(%d+):(%d+)$')
  return { tonumber(q), tonumber(a) }
end

local items, count, updated = {}, 0, ''
local stored = redis.call('HGETALL', cart)
for i = 1, #stored, 2 do
  local field = stored[i]
  if field == 'u' then
    updated = stored[i + 1]
  elseif string.sub(field, 1, 2) == 'i:' then
    items[string.sub(field, 3)] = parse(stored[i + 1])
    count = count + 1
  end
end

local dirty, removed, changed = {}, {}, false
local merged, dropped = 0, 0
local merging = anon ~= nil and redis.call('EXISTS', anon) == 1
if merging then
  local theirs = {}
  local flat = redis.call('HGETALL', anon)
  for i = 1, #flat, 2 do
    if string.sub(flat[i], 1, 2) == 'i:' then
      local item = parse(flat[i + 1])
      table.insert(theirs, { string.sub(flat[i], 3), item[1], item[2] })
    end
  end
  table.sort(theirs, function(x, y)
    if x[3] ~= y[3] then return x[3] < y[3] end
    return x[1] < y[1]
  end)
  for _, item in ipairs(theirs) do
    local mine = items[item[1]]
    if mine then
      mine[1] = math.min(maxQty, mine[1] + item[2])
      dirty[item[1]] = true
      merged = merged + 1
    elseif count < maxItems then
      items[item[1]] = { math.min(maxQty, item[2]), item[3] }
      dirty[item[1]] = true
      count = count + 1
      merged = merged + 1
    else
      dropped = dropped + 1
    end
  end
  changed = true
end

if op == 'add' then
  local item = items[pid]
  if item then
    if item[1] + qty > maxQty then return { 'QUANTITY_LIMIT', tostring(item[1]) } end
    item[1] = item[1] + qty
  else
    if count >= maxItems then return { 'ITEM_LIMIT', tostring(count) } end
    items[pid] = { qty, now }
    count = count + 1
  end
  dirty[pid] = true
  changed = true
elseif op == 'set' then
  local item = items[pid]
  if not item then return { 'NOT_IN_CART' } end
  item[1] = qty
  dirty[pid] = true
  changed = true
elseif op == 'remove' then
  if items[pid] then
    items[pid] = nil
    removed[pid] = true
    count = count - 1
    changed = true
  end
elseif op == 'clear' then
  items = {}
  count = 0
  changed = true
elseif op ~= 'get' then
  return redis.error_reply('unknown cart operation ' .. tostring(op))
end

if merging then redis.call('DEL', anon) end
if count == 0 then
  if #stored > 0 then redis.call('DEL', cart) end
  return { 'OK', '', tostring(merged), tostring(dropped) }
end
if changed then
  updated = tostring(now)
  local set = { 'u', updated }
  for p in pairs(dirty) do
    if items[p] then
      table.insert(set, 'i:' .. p)
      table.insert(set, tostring(items[p][1]) .. ':' .. tostring(items[p][2]))
    end
  end
  redis.call('HSET', cart, unpack(set))
  local gone = {}
  for p in pairs(removed) do table.insert(gone, 'i:' .. p) end
  if #gone > 0 then redis.call('HDEL', cart, unpack(gone)) end
end
redis.call('PEXPIRE', cart, ttl)

local reply = { 'OK', updated, tostring(merged), tostring(dropped) }
for p, item in pairs(items) do
  table.insert(reply, p)
  table.insert(reply, tostring(item[1]))
  table.insert(reply, tostring(item[2]))
end
return reply
`;
