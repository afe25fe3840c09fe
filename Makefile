# make demo: build crm into bin/ and run it on a throwaway demo archive.
# make test: every test (the same command .ci/run runs).
.PHONY: build demo test
build:
	go build -o bin/crm ./cmd/crm
demo: build
	testdata/demo/demo.sh bin/crm
test:
	go test ./...
