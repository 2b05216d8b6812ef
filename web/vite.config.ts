import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import { defineConfig, type Plugin } from "vite";
import react from "@vitejs/plugin-react";

// Writes file.br and file.gz beside every text asset of the build, compressed
// once at the highest levels, so `cordon serve` sends them as they are
// instead of compressing on every request (api/static_files.h).
function precompress(): Plugin {
  const compressible = /\.(js|mjs|css|html|svg|json|txt)$/;
  let outDir = "dist";
  return {
    name: "cordon-precompress",
    apply: "build",
    configResolved(config) {
      outDir = config.build.outDir;
    },
    closeBundle() {
      const walk = (dir: string): string[] =>
        readdirSync(dir).flatMap((name) => {
          const path = join(dir, name);
          return statSync(path).isDirectory() ? walk(path) : [path];
        });
      for (const file of walk(outDir)) {
        if (!compressible.test(file) || statSync(file).size < 1024) continue;
        const content = readFileSync(file);
        writeFileSync(`${file}.br`, brotliCompressSync(content, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }));
        writeFileSync(`${file}.gz`, gzipSync(content, { level: 9 }));
      }
    },
  };
}

// `npm run dev` proxies the API to a `cordon serve` on 127.0.0.1:8080;
// `npm run build` writes dist/, which `cordon serve` serves at /.
export default defineConfig({
  plugins: [react(), precompress()],
  // CORDON_API points the dev server (and `vite preview`) at another cordon serve.
  server: { proxy: { "/api": process.env.CORDON_API ?? "http://127.0.0.1:8080" } },
  preview: { proxy: { "/api": process.env.CORDON_API ?? "http://127.0.0.1:8080" } },
  build: {
    target: "es2022",
    sourcemap: false,
    chunkSizeWarningLimit: 1200,
    rollupOptions: {
      output: {
        // ECharts only loads with the statistics page; React and the app load first.
        manualChunks: (id: string) => (id.includes("node_modules/echarts") || id.includes("node_modules/zrender") ? "charts" : undefined),
      },
    },
  },
  test: { include: ["src/**/*.test.ts"] },
} as any);
