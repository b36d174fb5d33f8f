// llmctl's entry point: everything lives in the libraries; see docs/ARCHITECTURE.md.
#include "cli/app.h"

int main(int argc, char** argv) { return llmctl::cli::run_main(argc, argv); }
