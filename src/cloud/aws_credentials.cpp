#include "cloud/aws_credentials.h"

#include <fmt/format.h>

namespace llmctl::cloud {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

std::string env_or_empty(const EnvGetter& env, const std::string& name) {
  auto v = env(name);
  return v ? std::string(trim(*v)) : std::string();
}

}  // namespace

Result<AwsCredentials> parse_aws_credentials_file(std::string_view text, std::string_view profile,
                                                  std::string_view file_name) {
  AwsCredentials c;
  bool in_profile = false, found = false;
  int line_no = 0, section_line = 0;
  while (!text.empty()) {
    std::size_t nl = text.find('\n');
    std::string_view line = trim(text.substr(0, nl));
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    ++line_no;
    if (line.empty() || line.front() == '#' || line.front() == ';') continue;
    if (line.front() == '[') {
      if (line.back() != ']')
        return Error{
            fmt::format("{}:{}: expected [profile-name], found {}", file_name, line_no, line)};
      in_profile = trim(line.substr(1, line.size() - 2)) == profile;
      if (in_profile) {
        found = true;
        section_line = line_no;
      }
      continue;
    }
    if (!in_profile) continue;
    std::size_t eq = line.find('=');
    if (eq == std::string_view::npos)
      return Error{fmt::format("{}:{}: expected key = value, found {}", file_name, line_no,
                               line.substr(0, std::min<std::size_t>(line.size(), 40)))};
    std::string_view key = trim(line.substr(0, eq));
    std::string value(trim(line.substr(eq + 1)));
    if (key == "aws_access_key_id") c.access_key_id = value;
    if (key == "aws_secret_access_key") c.secret_access_key = value;
    if (key == "aws_session_token") c.session_token = value;
  }
  if (!found) return Error{fmt::format("{}: no [{}] profile", file_name, profile)};
  if (c.access_key_id.empty() || c.secret_access_key.empty())
    return Error{fmt::format(
        "{}:{}: profile [{}] needs aws_access_key_id and aws_secret_access_key (profiles that "
        "assume a role, use SSO or a credential_process are not supported)",
        file_name, section_line, profile)};
  return c;
}

Result<ResolvedAwsCredentials> resolve_aws_credentials(const EnvGetter& env,
                                                       const FileReader& read_file,
                                                       std::string_view profile) {
  if (profile.empty()) {
    AwsCredentials c{env_or_empty(env, "AWS_ACCESS_KEY_ID"),
                     env_or_empty(env, "AWS_SECRET_ACCESS_KEY"),
                     env_or_empty(env, "AWS_SESSION_TOKEN")};
    if (!c.access_key_id.empty() && c.secret_access_key.empty())
      return Error{"AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not"};
    if (!c.empty()) return ResolvedAwsCredentials{std::move(c), "environment"};
  }
  std::string chosen(profile);
  if (chosen.empty()) chosen = env_or_empty(env, "AWS_PROFILE");
  if (chosen.empty()) chosen = "default";
  std::string path = env_or_empty(env, "AWS_SHARED_CREDENTIALS_FILE");
  if (path.empty()) {
    std::string home = env_or_empty(env, "HOME");
    if (home.empty())
      return Error{
          "no AWS credentials: AWS_ACCESS_KEY_ID is not set, and neither "
          "AWS_SHARED_CREDENTIALS_FILE nor HOME is"};
    path = home + "/.aws/credentials";
  }
  auto text = read_file(path);
  if (!text)
    return Error{fmt::format(
        "no AWS credentials: AWS_ACCESS_KEY_ID is not set and the shared credentials file "
        "cannot be read ({})",
        text.error().message)};
  auto c = parse_aws_credentials_file(*text, chosen, path);
  if (!c) return c.error();
  return ResolvedAwsCredentials{std::move(*c), fmt::format("{} [{}]", path, chosen)};
}

}  // namespace llmctl::cloud
