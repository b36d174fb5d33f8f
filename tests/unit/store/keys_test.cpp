#include "store/keys.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "store/sqlite_store.h"

namespace llmctl::store {
namespace {

std::string temp_db(const std::string& name) {
  auto p = std::filesystem::temp_directory_path() /
           ("llmctl-keys-" + std::to_string(::getpid()) + "-" + name + ".db");
  std::filesystem::remove(p);
  return p.string();
}

TEST(Secrets, ShapeHashAndHint) {
  auto s = make_secret(system_random());
  EXPECT_TRUE(looks_like_key(s.secret));
  EXPECT_EQ(s.secret.size(), 50u);
  EXPECT_EQ(s.hash, hash_secret(s.secret));
  EXPECT_EQ(s.hash.size(), 64u);
  EXPECT_EQ(s.hint, s.secret.substr(46));
  EXPECT_NE(make_secret(system_random()).secret, s.secret);
  EXPECT_FALSE(looks_like_key("sk-proj-abc"));
  // SHA-256("abc"), the FIPS 180-2 test vector.
  EXPECT_EQ(hash_secret("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_TRUE(digests_equal("abcd", "abcd"));
  EXPECT_FALSE(digests_equal("abcd", "abce"));
  EXPECT_FALSE(digests_equal("abc", "abcd"));
}

TEST(Secrets, UniformAlphabet) {
  // Rejection sampling: only base62 characters, each of them reachable.
  std::string all;
  for (int i = 0; i < 200; ++i) all += make_secret(system_random()).secret.substr(10);
  for (char c : all) EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c))) << c;
  std::set<char> seen(all.begin(), all.end());
  EXPECT_EQ(seen.size(), 62u);
}

TEST(KeyRecord, JsonRoundTrip) {
  KeyRecord k;
  k.id = "key-abc";
  k.name = "search \"bot\"";
  k.hash = "00ff";
  k.hint = "wxyz";
  k.team = "search";
  k.models = {"gpt-4o-mini", "claude-haiku-4-5"};
  k.expires_ms = 1800000000000;
  k.limits = {.rpm = 10, .tpm = 2000, .max_parallel = 3};
  k.budget = {.hard = 5'000'000'000, .soft = 4'000'000'000, .period = Period::kWeek};
  k.tags = {{"env", "prod"}, {"cost-center", "42"}};
  k.created_ms = 1;
  k.revision = 3;
  auto back = key_from_json(key_to_json(k, true));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->name, k.name);
  EXPECT_EQ(back->hash, "00ff");
  EXPECT_EQ(back->models, k.models);
  EXPECT_EQ(back->limits.tpm, 2000);
  EXPECT_EQ(back->budget.hard, 5'000'000'000);
  EXPECT_EQ(back->budget.period, Period::kWeek);
  EXPECT_EQ(back->tags, k.tags);
  EXPECT_EQ(back->revision, 3);
  EXPECT_EQ(key_to_json(k, false).find("00ff"), std::string::npos);
  EXPECT_FALSE(key_from_json("[]"));
  auto bad = key_from_json(R"({"id":"k","limits":{"rpm":"ten"}})");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("limits.rpm"), std::string::npos);
}

TEST(KeyRecord, ModelsAndExpiry) {
  KeyRecord k;
  EXPECT_TRUE(k.allows_model("anything"));
  k.models = {"a"};
  EXPECT_TRUE(k.allows_model("a"));
  EXPECT_FALSE(k.allows_model("b"));
  k.expires_ms = 100;
  EXPECT_FALSE(k.expired(99));
  EXPECT_TRUE(k.expired(100));
}

TEST(SqliteStore, CreateUpdateRevokeRotate) {
  const std::string path = temp_db("ops");
  auto store = SqliteStore::open(path);
  ASSERT_TRUE(store) << store.error().message;
  SqliteStore& s = **store;
  ASSERT_EQ(*s.version(), 0);

  KeyFields f;
  f.name = "app";
  f.team = "search";
  f.rpm = 60;
  f.budget = usd_to_nanos(10);
  f.budget_period = Period::kMonth;
  f.models = std::vector<std::string>{"gpt-4o-mini"};
  f.tags = std::map<std::string, std::string>{{"env", "prod"}};
  auto created = create_key(s, f, system_random(), 1000);
  ASSERT_TRUE(created) << created.error().message;
  EXPECT_TRUE(looks_like_key(created->secret));
  EXPECT_EQ(created->record.hash, hash_secret(created->secret));
  EXPECT_EQ(*s.version(), 1);

  // A second key with the same name is refused while the first is active.
  auto dup = create_key(s, f, system_random(), 1001);
  ASSERT_FALSE(dup);
  EXPECT_NE(dup.error().message.find("exists already"), std::string::npos);

  auto found = find_key(s, "app");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->id, created->record.id);
  EXPECT_EQ(found->tags.at("env"), "prod");
  EXPECT_EQ(found->models, std::vector<std::string>{"gpt-4o-mini"});

  KeyFields up;
  up.tpm = 5000;
  up.team = "ads";
  auto updated = update_key(s, created->record.id, up, 2000);
  ASSERT_TRUE(updated) << updated.error().message;
  EXPECT_EQ(updated->limits.tpm, 5000);
  EXPECT_EQ(updated->limits.rpm, 60);  // unchanged
  EXPECT_EQ(updated->revision, 2);

  auto rotated = rotate_key(s, "app", system_random(), 3000);
  ASSERT_TRUE(rotated);
  EXPECT_EQ(rotated->record.id, created->record.id);
  EXPECT_NE(rotated->secret, created->secret);
  EXPECT_EQ((*s.get(created->record.id))->hash, hash_secret(rotated->secret));

  auto revoked = revoke_key(s, "app", 4000);
  ASSERT_TRUE(revoked);
  EXPECT_TRUE(revoked->revoked());
  EXPECT_FALSE(update_key(s, created->record.id, up, 5000));
  EXPECT_FALSE(rotate_key(s, created->record.id, system_random(), 5000));
  // The name is free again once revoked.
  EXPECT_TRUE(create_key(s, f, system_random(), 6000));
  EXPECT_EQ(s.list()->size(), 2u);
  EXPECT_EQ(*s.version(), 5);  // create, update, rotate, revoke, create (the refused one: none)
  std::filesystem::remove(path);
}

TEST(SqliteStore, StaleRevisionIsRefused) {
  const std::string path = temp_db("cas");
  auto store = SqliteStore::open(path);
  ASSERT_TRUE(store);
  KeyFields f;
  f.name = "a";
  auto created = create_key(**store, f, system_random(), 1);
  ASSERT_TRUE(created);
  KeyRecord k = created->record;
  k.revision = 2;
  k.team = "x";
  ASSERT_TRUE((*store)->replace(k, 1).ok());
  k.revision = 2;  // someone else's edit, made from the old revision
  k.team = "y";
  auto st = (*store)->replace(k, 1);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("changed meanwhile"), std::string::npos);
  std::filesystem::remove(path);
}

TEST(SqliteStore, SpendRowsPersist) {
  const std::string path = temp_db("spend");
  {
    auto store = SqliteStore::open(path);
    ASSERT_TRUE(store);
    ASSERT_TRUE((*store)->save_spend({{"team:a", 100, 5}, {"key:k", 0, 7}}, 1).ok());
    ASSERT_TRUE((*store)->save_spend({{"team:a", 100, 9}}, 2).ok());
  }
  auto store = SqliteStore::open(path);
  ASSERT_TRUE(store);
  auto rows = (*store)->load_spend();
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->size(), 2u);
  for (const auto& r : *rows) EXPECT_EQ(r.spent, r.scope == "team:a" ? 9 : 7);
  std::filesystem::remove(path);
}

TEST(SqliteStore, NoSecretInTheFile) {
  const std::string path = temp_db("secret");
  std::string secret;
  {
    auto store = SqliteStore::open(path);
    ASSERT_TRUE(store);
    KeyFields f;
    f.name = "a";
    auto created = create_key(**store, f, system_random(), 1);
    ASSERT_TRUE(created);
    secret = created->secret;
  }
  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::ifstream in(path + suffix, std::ios::binary);
    if (!in) continue;
    std::stringstream ss;
    ss << in.rdbuf();
    // Neither the secret nor any 12-character piece of its random part.
    const std::string text = ss.str();
    for (std::size_t i = 10; i + 12 <= secret.size(); ++i)
      EXPECT_EQ(text.find(secret.substr(i, 12)), std::string::npos) << suffix;
  }
  std::filesystem::remove(path);
}

TEST(SqliteStore, BadPathNamesTheFile) {
  auto store = SqliteStore::open("/nonexistent-dir/x.db");
  ASSERT_FALSE(store);
  EXPECT_NE(store.error().message.find("/nonexistent-dir/x.db"), std::string::npos);
}

}  // namespace
}  // namespace llmctl::store
