#include "sim/router.h"

#include <fmt/format.h>

#include "common/strings.h"

namespace llmctl::sim {

namespace {

class RoundRobin final : public Router {
 public:
  void set_members(std::vector<RouteMember> m) override { members_ = std::move(m); }
  int pick(const Request&, std::span<const std::uint64_t>, const ReplicaSignals&,
           std::uint64_t) override {
    if (members_.empty()) return -1;
    return members_[next_++ % members_.size()].id;
  }

 private:
  std::vector<RouteMember> members_;
  std::size_t next_ = 0;
};

class Random final : public Router {
 public:
  void set_members(std::vector<RouteMember> m) override { members_ = std::move(m); }
  int pick(const Request&, std::span<const std::uint64_t>, const ReplicaSignals&,
           std::uint64_t random) override {
    if (members_.empty()) return -1;
    return members_[random % members_.size()].id;
  }

 private:
  std::vector<RouteMember> members_;
};

}  // namespace

const std::vector<std::string>& router_names() {
  static const std::vector<std::string> kNames = {"round-robin", "random"};
  return kNames;
}

Result<std::unique_ptr<Router>> make_router(const std::string& name) {
  if (name == "round-robin") return std::unique_ptr<Router>(std::make_unique<RoundRobin>());
  if (name == "random") return std::unique_ptr<Router>(std::make_unique<Random>());
  return Error{
      fmt::format("router: unknown \"{}\"; expected one of {}", name, join(router_names(), ", "))};
}

}  // namespace llmctl::sim
