# Cordon: the two commands a new user needs are `make demo` and `make test`.
.PHONY: setup build web demo test test-fast test-asan bench clean

BUILD_DIR ?= build
ASAN_DIR ?= build-sanitize
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?= -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCORDON_WERROR=ON
DEMO_DB ?= var/demo.db
DEMO_LISTEN ?= 127.0.0.1:8080

setup:
	@scripts/setup

build: setup
	@cmake -S . -B $(BUILD_DIR) $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD_DIR) -j $(JOBS)

# The web dashboard (web/): npm packages from package-lock.json (npm ci, only
# when the lock file changed since the last install), then the Vite build into
# web/dist, which `cordon serve` serves at /.
web: setup
	@node -e 'const [a,b]=process.versions.node.split(".").map(Number); if (a<20||(a===20&&b<19)) { console.error("web: Node.js >= 20.19 is needed, found "+process.version); process.exit(1) }'
	@if [ ! -f web/node_modules/.package-lock.json ] || [ web/package-lock.json -nt web/node_modules/.package-lock.json ]; then \
	  cd web && npm ci --no-audit --no-fund; fi
	@cd web && npm run --silent build

demo: build web
	@mkdir -p var
	$(BUILD_DIR)/cordon serve --db $(DEMO_DB) --listen $(DEMO_LISTEN) --demo --web-root web/dist

# Every test: unit and end-to-end, then the same suite under ASan+UBSan built
# by clang (a second compiler's warnings, and its sanitizer build compiles
# about 1.7x faster than GCC's; no benchmarks in that build).
test: test-fast test-asan

test-fast: build web
	@cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS)
	@echo "web dashboard screenshots: $(BUILD_DIR)/web-screenshots"

test-asan: setup web
	@cmake -S . -B $(ASAN_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_COMPILER=clang++ \
		-DCORDON_WERROR=ON -DCORDON_SANITIZE=ON -DCORDON_BUILD_BENCH=OFF >/dev/null
	@cmake --build $(ASAN_DIR) -j $(JOBS)
	@cd $(ASAN_DIR) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest --output-on-failure -j $(JOBS)

bench: build
	@bench/run $(BUILD_DIR)

clean:
	rm -rf $(BUILD_DIR) $(ASAN_DIR)
