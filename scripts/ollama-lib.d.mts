export interface OllamaInfo {
  pid: number;
  baseUrl: string;
  logFile: string;
  env: { OLLAMA_BASE_URL: string; OLLAMA_MODEL: string; OLLAMA_EMBED_MODEL: string };
}
export declare const OLLAMA_VERSION: string;
export declare const CHAT_MODEL: { name: string; file: string; bytes: number; sha256: string; upstream: string; wheels: string[] };
export declare const EMBED_MODEL: { name: string; wheel: string; dir: string; dimensions: number; upstream: string };
export declare function startOllama(options?: { log?: (line: string) => void }): Promise<OllamaInfo>;
export declare function stopOllama(info: { pid: number } | undefined): void;
export declare function provisionOllama(options?: { log?: (line: string) => void }): Promise<{ bin: string; chatFile: string; embedDir: string }>;
