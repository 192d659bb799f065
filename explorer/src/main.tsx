import 'graphiql/style.css';
import './explorer.css';
import { GraphiQL, HISTORY_PLUGIN } from 'graphiql';
import { createRoot } from 'react-dom/client';
import { costPlugin } from './cost';
import { registryFetcher } from './fetcher';
import { resultsPlugin } from './results';
import { RunStore } from './run';
import { initialEditors, TABS_KEY } from './tabs';
import { setUpWorkers } from './workers';

/** What the server puts in the page (src/ops/explorer.ts, ExplorerSettings). */
interface ExplorerConfig {
  endpoint: string;
  explainByDefault: boolean;
  production: boolean;
  tabs: Array<{ query: string; variables: string }>;
}

const config = JSON.parse(document.getElementById('registry-explorer-config')!.textContent!) as ExplorerConfig;
setUpWorkers();
const runs = new RunStore(config.explainByDefault);
// The history of runs (@graphiql/plugin-history) and the documentation are GraphiQL's; cost and results are the registry's.
const plugins = [HISTORY_PLUGIN, costPlugin(runs, config.production), resultsPlugin(runs)];

const opening = initialEditors(localStorage.getItem(TABS_KEY), config.tabs);

createRoot(document.getElementById('root')!).render(
  <GraphiQL
    fetcher={registryFetcher(config.endpoint, runs)}
    defaultTabs={config.tabs}
    initialQuery={opening.query}
    initialVariables={opening.variables}
    plugins={plugins}
    defaultEditorToolsVisibility="variables"
  />,
);
