-- CreateEnum
CREATE TYPE "granted_role" AS ENUM ('staff');

-- CreateEnum
CREATE TYPE "role_change_action" AS ENUM ('GRANTED', 'REVOKED');

-- CreateTable
CREATE TABLE "user_roles" (
    "user_id" UUID NOT NULL,
    "role" "granted_role" NOT NULL,
    "granted_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "user_roles_pkey" PRIMARY KEY ("user_id","role")
);

-- CreateTable
CREATE TABLE "role_changes" (
    "id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "role" "granted_role" NOT NULL,
    "action" "role_change_action" NOT NULL,
    "actor" VARCHAR(100) NOT NULL,
    "reason" VARCHAR(500),
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "role_changes_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "role_changes_user_id_at_idx" ON "role_changes"("user_id", "at");

-- AddForeignKey
ALTER TABLE "user_roles" ADD CONSTRAINT "user_roles_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- role_changes is an audit record: rows are added, never changed or removed, not even by the
-- service's own role. (schema.prisma cannot say this; `npm run migrate -- check` ignores triggers.)
CREATE FUNCTION "role_changes_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'role_changes is append-only' USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER "role_changes_no_update_or_delete" BEFORE UPDATE OR DELETE ON "role_changes"
  FOR EACH ROW EXECUTE FUNCTION "role_changes_append_only"();

CREATE TRIGGER "role_changes_no_truncate" BEFORE TRUNCATE ON "role_changes"
  FOR EACH STATEMENT EXECUTE FUNCTION "role_changes_append_only"();
