import workers from 'registry:workers';

/**
 * Monaco's editor, JSON and GraphQL workers, started from Blob URLs of code
 * bundled into the page: no worker script is fetched from anywhere.
 */
export function setUpWorkers(): void {
  const urls = Object.fromEntries(Object.entries(workers).map(([label, code]) => [label, URL.createObjectURL(new Blob([code], { type: 'text/javascript' }))]));
  (globalThis as unknown as { MonacoEnvironment: unknown }).MonacoEnvironment = {
    getWorker(_id: string, label: string) {
      return new Worker(urls[label] ?? urls.editor);
    },
  };
}
