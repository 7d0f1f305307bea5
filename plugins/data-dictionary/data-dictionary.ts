// The data dictionary in the editor: a Node-RED plugin of the pack serving the dictionary (built from schemas/)
// on the admin API, behind the editor's login, for its sidebar tab (data-dictionary.html) and as a Markdown
// document. It works the same in a plain Node-RED as in the bridge's server.
import type { Request, RequestHandler, Response } from 'express';
import { loadDataDictionary } from '../../nodes/lib/dictionary/load';
import { dataDictionaryMarkdown } from '../../nodes/lib/dictionary/markdown';

interface RedLike {
  plugins: { registerPlugin(id: string, plugin: object): void };
  httpAdmin: { get(path: string, ...handlers: RequestHandler[]): void };
  auth: { needsPermission(permission: string): RequestHandler };
  log: { error(text: string): void };
}

const DATA_DICTIONARY_PATH = '/erp-mes-bridge/data-dictionary';

export = function register(RED: RedLike): void {
  RED.plugins.registerPlugin('erp-mes-bridge-data-dictionary', { type: 'erp-mes-bridge-data-dictionary' });
  const answer = (markdown: boolean) => (_req: Request, res: Response) => {
    try {
      const dictionary = loadDataDictionary();
      if (markdown) res.type('text/markdown; charset=utf-8').send(dataDictionaryMarkdown(dictionary));
      else res.json(dictionary);
    } catch (err) {
      RED.log.error(`erp-mes-bridge data dictionary: ${(err as Error).message}`);
      res.status(500).json({ error: `The data dictionary could not be built: ${(err as Error).message}` });
    }
  };
  RED.httpAdmin.get(DATA_DICTIONARY_PATH, RED.auth.needsPermission('flows.read'), answer(false));
  RED.httpAdmin.get(`${DATA_DICTIONARY_PATH}.md`, RED.auth.needsPermission('flows.read'), answer(true));
};
