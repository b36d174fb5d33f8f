// Fixture for `ctest -R lint.include_roots`, built by a target that links llmctl_gateway alone: the
// gateway links llmctl_net PRIVATE (Asio stays inside it), so net's headers are not reachable
// through the gateway and this must not compile.
#include "net/net.h"

int include_roots_private_fixture() { return 0; }
