// Private to src/gateway: sends the HTTP requests of a credential fetch (cloud/credentials.h)
// and gives a request its deployment's current credential.
//
// current_credential() returns at once while the cached credential is fresh. Otherwise the
// request waits on the cache: the first one starts the fetch (a detached coroutine on its
// worker's executor), every request that arrives before it completes, on any worker, is woken
// with the same result (posted to its own executor). A fetch is bounded by the source's
// timeout_ms(); a failure is an error naming the source (the key file, the Entra app, the AWS
// endpoint).
#pragma once

#include <memory>
#include <string>

#include "cloud/credentials.h"
#include "common/result.h"
#include "net/net.h"

namespace llmctl::gateway {

// `ca_file`: extra trust anchors for an https endpoint (the deployment's), may be empty.
net::asio::awaitable<Result<cloud::Credential>> current_credential(
    std::shared_ptr<cloud::TokenCache> cache, std::string ca_file);

}  // namespace llmctl::gateway
