/**
 * Which schema elements an operation uses, walked with the schema's TypeInfo: types, fields
 * (`Type.field`), arguments (`Type.field.arg`), input fields (`Input.field`) and enum values
 * (`Enum.VALUE`), by the paths @graphql-inspector/core gives its changes.
 */
import {
  getNamedType,
  isInputObjectType,
  parse,
  TypeInfo,
  typeFromAST,
  visit,
  visitWithTypeInfo,
  type GraphQLInputObjectType,
  type GraphQLNamedType,
  type GraphQLSchema,
} from 'graphql';

export function usedElements(schema: GraphQLSchema, operation: string): Set<string> {
  const used = new Set<string>();
  const typeInfo = new TypeInfo(schema);
  const addType = (type: GraphQLNamedType | null | undefined) => {
    if (type) used.add(type.name);
  };
  // A variable of an input type can carry any of its fields.
  const addInput = (type: GraphQLInputObjectType, seen = new Set<string>()) => {
    if (seen.has(type.name)) return;
    seen.add(type.name);
    used.add(type.name);
    for (const field of Object.values(type.getFields())) {
      used.add(`${type.name}.${field.name}`);
      const named = getNamedType(field.type);
      used.add(named.name);
      if (isInputObjectType(named)) addInput(named, seen);
    }
  };
  visit(
    parse(operation),
    visitWithTypeInfo(typeInfo, {
      Field() {
        const parent = typeInfo.getParentType();
        const field = typeInfo.getFieldDef();
        if (!parent || !field) return;
        used.add(parent.name);
        used.add(`${parent.name}.${field.name}`);
        addType(getNamedType(field.type));
      },
      Argument(node) {
        const parent = typeInfo.getParentType();
        const field = typeInfo.getFieldDef();
        const argument = typeInfo.getArgument();
        if (!parent || !field || !argument) return;
        used.add(`${parent.name}.${field.name}.${node.name.value}`);
        addType(getNamedType(argument.type));
      },
      ObjectField(node) {
        const input = typeInfo.getParentInputType();
        const named = input ? getNamedType(input) : undefined;
        if (named && isInputObjectType(named)) used.add(`${named.name}.${node.name.value}`);
      },
      EnumValue(node) {
        const type = typeInfo.getInputType();
        if (type) used.add(`${getNamedType(type).name}.${node.value}`);
      },
      VariableDefinition(node) {
        const type = typeFromAST(schema, node.type as Parameters<typeof typeFromAST>[1]);
        if (!type) return;
        const named = getNamedType(type);
        used.add(named.name);
        if (isInputObjectType(named)) addInput(named);
      },
      InlineFragment() {
        addType(typeInfo.getType() ? getNamedType(typeInfo.getType()) : undefined);
      },
      FragmentDefinition() {
        addType(typeInfo.getType() ? getNamedType(typeInfo.getType()) : undefined);
      },
    }),
  );
  return used;
}

/**
 * Whether a change at `path` of the given inspector type reaches an operation that uses `used`:
 * the element itself; for an addition (a new required argument or input field), its parent; for a
 * change inside a type (an enum value, a union member, an interface), the type.
 */
export function affects(changeType: string, path: string, used: ReadonlySet<string>): boolean {
  if (used.has(path)) return true;
  const segments = path.split('.');
  if (changeType.endsWith('_ADDED') && segments.length > 1) return used.has(segments.slice(0, -1).join('.'));
  if (/^(ENUM_VALUE|UNION_MEMBER|OBJECT_TYPE_INTERFACE|TYPE_KIND)_/.test(changeType)) return used.has(segments[0]!);
  return false;
}
