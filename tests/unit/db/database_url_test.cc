#include "db/database_url.h"

#include <gtest/gtest.h>

namespace ferry {
namespace {

TEST(DatabaseUrlTest, SqliteForms) {
  EXPECT_EQ(DatabaseUrl::Parse("sqlite:app.db")->path, "app.db");
  EXPECT_EQ(DatabaseUrl::Parse("sqlite:/var/x.db")->path, "/var/x.db");
  EXPECT_EQ(DatabaseUrl::Parse("sqlite:///var/x.db")->path, "/var/x.db");
  EXPECT_EQ(DatabaseUrl::Parse("sqlite::memory:")->path, ":memory:");
  auto u = DatabaseUrl::Parse("sqlite:app.db?busy_timeout_ms=10");
  EXPECT_EQ(u->params.at("busy_timeout_ms"), "10");
}

TEST(DatabaseUrlTest, PostgresForms) {
  auto u = DatabaseUrl::Parse("postgresql://us%40er:p%3Ass@db.example:6543/app?sslmode=require");
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  EXPECT_EQ(u->scheme, "postgres");
  EXPECT_EQ(u->user, "us@er");
  EXPECT_EQ(u->password, "p:ss");
  EXPECT_EQ(u->host, "db.example");
  EXPECT_EQ(u->port, 6543);
  EXPECT_EQ(u->database, "app");
  EXPECT_EQ(u->params.at("sslmode"), "require");
  auto v6 = DatabaseUrl::Parse("postgres://u@[::1]:5432/db");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 5432);
}

TEST(DatabaseUrlTest, MalformedNamesTheRedactedUrl) {
  for (const char* bad : {"", "nocolon", "postgres://u:hunter2@host:99999/db", "postgres:host/db",
                          "postgres://u:hunter2@host:abc/db", "sqlite:", "postgres://u:hunter2@/db",
                          "postgres://[::1/db"}) {
    auto u = DatabaseUrl::Parse(bad);
    ASSERT_FALSE(u.ok()) << bad;
    EXPECT_EQ(u.status().code(), Code::kInvalidArgument);
    EXPECT_EQ(u.status().message().find("hunter2"), std::string::npos) << u.status().message();
  }
}

TEST(RedactSecretsTest, UrlsAndKeyValues) {
  EXPECT_EQ(RedactSecrets("postgres://bob:s3cret@h:5432/db"), "postgres://bob:***@h:5432/db");
  EXPECT_EQ(RedactSecrets("x redis://:pw@h/0 and mysql://a:b@c/d"),
            "x redis://:***@h/0 and mysql://a:***@c/d");
  EXPECT_EQ(RedactSecrets("host=h password=s3cret user=u"), "host=h password=*** user=u");
  EXPECT_EQ(RedactSecrets("PASSWORD = 'a b c' x"), "PASSWORD = *** x");
  EXPECT_EQ(RedactSecrets("?password=abc&x=1"), "?password=***&x=1");
  // Nothing to hide: unchanged.
  for (const char* same : {"postgres://bob@h/db", "http://h:80/x", "password", "password=",
                           "no secrets here", "://", "a:b@c"}) {
    EXPECT_EQ(RedactSecrets(same), same);
  }
}

}  // namespace
}  // namespace ferry
