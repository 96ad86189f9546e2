# WeCompany — build, run, test, benchmark.
# `make run` and `make test` are the two commands of the README; they must work on a fresh machine.
SHELL := /bin/bash
DOTNET ?= dotnet
CONFIG ?= Release
DATA_DIR ?= ./data

.PHONY: all publish run test bench cluster web deps clean

all: publish

# `make` alone publishes a self-contained server to bin/WeCompanyServer.
publish: web
	$(DOTNET) publish src/WeCompany.Server/WeCompany.Server.csproj -c $(CONFIG) -r linux-x64 --self-contained true \
	  -p:PublishReadyToRun=true -o bin/server
	ln -sfn server/WeCompanyServer bin/WeCompanyServer
	$(DOTNET) publish src/WeCompany.Cli/WeCompany.Cli.csproj -c $(CONFIG) -o bin/cli
	ln -sfn cli/wecompany bin/wecompany
	@echo "Published: ./bin/WeCompanyServer (server) and ./bin/wecompany (command-line client)"

# Builds and starts the server on embedded defaults.
run: web
	$(DOTNET) build src/WeCompany.Server/WeCompany.Server.csproj -c $(CONFIG) -v quiet -nologo
	$(DOTNET) src/WeCompany.Server/bin/$(CONFIG)/net10.0/WeCompanyServer.dll --data-dir $(DATA_DIR)

# The browser client, built into the server's static files (skipped until web/ has a package.json).
web:
	@if [ -f web/package.json ]; then scripts/build-web.sh; fi

# Installs what the tests need when it is missing, then runs every tier.
test:
	scripts/test-deps.sh
	scripts/test.sh

bench:
	scripts/bench.sh

# A throw-away three-node cluster on loopback (PostgreSQL, nginx with TLS, coturn): see docs/operations.md.
cluster:
	scripts/cluster-local.sh

clean:
	rm -rf bin artifacts src/*/bin src/*/obj tests/*/bin tests/*/obj bench/*/bin bench/*/obj
