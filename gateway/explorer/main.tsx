import './workers';
import { pick, useGraphiQL, useGraphiQLActions, type GraphiQLPlugin } from '@graphiql/react';
import { createGraphiQLFetcher } from '@graphiql/toolkit';
import { GraphiQL } from 'graphiql';
import { createRoot } from 'react-dom/client';
import 'graphiql/style.css';
import './explorer.css';

/** A file of schema/operations/, as the gateway serves it (gateway/src/explorer/operations.ts). */
interface StorefrontOperation {
  file: string;
  names: string[];
  query: string;
  variables: string;
}

function CollectionIcon() {
  return (
    <svg viewBox="0 0 24 24" width="20" height="20" fill="none" stroke="currentColor" strokeWidth="1.5" aria-hidden>
      <path d="M4 5.5A1.5 1.5 0 0 1 5.5 4H19v14H5.5A1.5 1.5 0 0 0 4 19.5z" />
      <path d="M4 19.5A1.5 1.5 0 0 0 5.5 21H19v-3" />
      <path d="M8 8h7M8 11h5" />
    </svg>
  );
}

/** The storefront's own operations; a click opens one in a new tab, ready to run. */
function OperationList({ operations }: { operations: StorefrontOperation[] }) {
  const { addTab } = useGraphiQLActions();
  const { queryEditor, variableEditor } = useGraphiQL(pick('queryEditor', 'variableEditor'));
  const open = (operation: StorefrontOperation) => {
    addTab();
    queryEditor?.setValue(operation.query);
    variableEditor?.setValue(operation.variables);
  };
  return (
    <section className="storefront-operations">
      <div className="graphiql-doc-explorer-title">Storefront operations</div>
      <p>
        From <code>schema/operations/</code>. Requests go to this gateway with your session cookie, so signed-in
        operations run as you.
      </p>
      <ul>
        {operations.map((operation) => (
          <li key={operation.file}>
            <button type="button" className="graphiql-un-styled" onClick={() => open(operation)}>
              <strong>{operation.names.join(', ') || operation.file}</strong>
              <span>{operation.file}</span>
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}

async function main() {
  const operations = (await (await fetch('/explorer/operations.json')).json()) as StorefrontOperation[];
  // The page is served at the GraphQL endpoint itself: same origin, so the session cookie travels.
  const fetcher = createGraphiQLFetcher({
    url: new URL(location.pathname, location.origin).href,
    fetch: (input, init) => fetch(input, { ...init, credentials: 'same-origin' }),
  });
  const collection: GraphiQLPlugin = {
    title: 'Storefront operations',
    icon: CollectionIcon,
    content: () => <OperationList operations={operations} />,
  };
  createRoot(document.getElementById('explorer')!).render(
    <GraphiQL
      fetcher={fetcher}
      defaultTabs={operations.map((o) => ({ query: o.query, variables: o.variables }))}
      plugins={[collection]}
      visiblePlugin={collection}
    />,
  );
}

void main();
