#include "agent/mcp/stdio.h"

#include <boost/json.hpp>
#include <istream>
#include <mutex>
#include <ostream>
#include <string>

namespace llmctl::agent::mcp {
namespace {

namespace json = boost::json;

// Every message is one line; the mutex keeps lines from tool threads whole.
class StdioChannel : public Channel {
 public:
  StdioChannel(std::ostream& out, std::mutex& mutex) : out_(out), mutex_(mutex) {}
  void notify(const json::value& message) override { write(message); }
  void respond(const json::value& message) override { write(message); }
  void abandon() override {}  // stdio: a cancelled request gets no response

 private:
  void write(const json::value& message) {
    std::string line = json::serialize(message);  // never contains a raw newline
    line += '\n';
    std::lock_guard lock(mutex_);
    out_ << line;
    out_.flush();
  }
  std::ostream& out_;
  std::mutex& mutex_;
};

}  // namespace

void serve_stdio(Server& server, std::istream& in, std::ostream& out) {
  std::mutex mutex;
  auto channel = std::make_shared<StdioChannel>(out, mutex);
  auto session = std::make_shared<Session>();
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    boost::system::error_code ec;
    json::value message = json::parse(line, ec);
    if (ec) {
      channel->respond(Server::parse_error(ec.message()));
      continue;
    }
    server.handle(session, message, channel);
  }
  server.cancel_all(*session);
  server.wait_idle();
}

}  // namespace llmctl::agent::mcp
