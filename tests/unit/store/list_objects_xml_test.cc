#include "store/s3/list_objects_xml.h"

#include <gtest/gtest.h>

namespace ferry {
namespace {

TEST(XmlTextTest, DecodesEntities) {
  auto r = DecodeXmlText("a &amp; b &lt;c&gt; &quot;q&quot; &apos;s&apos; &#65;&#x42;&#x1234;&#128512;");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(*r, "a & b <c> \"q\" 's' AB\xE1\x88\xB4\xF0\x9F\x98\x80");
  EXPECT_EQ(*DecodeXmlText("&#13;&#x0A;"), "\r\n");
  for (const char* bad : {"&bogus;", "&amp", "&#;", "&#x;", "&#xZZ;", "&#0;", "&#xD800;", "&#x110000;",
                          "& loose"}) {
    EXPECT_EQ(DecodeXmlText(bad).status().code(), Code::kIOError) << bad;
  }
}

TEST(ListObjectsXmlTest, ParsesPage) {
  const char* xml = R"(<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Name>ferry-bucket</Name>
  <Prefix>a/</Prefix>
  <KeyCount>3</KeyCount>
  <MaxKeys>3</MaxKeys>
  <IsTruncated>true</IsTruncated>
  <ContinuationToken>old</ContinuationToken>
  <NextContinuationToken>1/a+b&amp;c==</NextContinuationToken>
  <Contents><Key>a/one &amp; two.narinfo</Key><Size>3</Size>
    <Owner><ID>x</ID><DisplayName>y</DisplayName></Owner></Contents>
  <Contents><Key>a/&lt;tag&gt;&#x20AC;</Key><ETag>&quot;abc&quot;</ETag></Contents>
  <!-- a comment with <Key>not-a-key</Key> -->
  <Contents><Key><![CDATA[a/cdata & raw]]></Key></Contents>
  <CommonPrefixes><Prefix>a/sub/</Prefix></CommonPrefixes>
</ListBucketResult>)";
  auto r = ParseListObjectsV2(xml);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->keys, (std::vector<std::string>{"a/one & two.narinfo", "a/<tag>\xE2\x82\xAC", "a/cdata & raw"}));
  EXPECT_TRUE(r->is_truncated);
  EXPECT_EQ(r->next_continuation_token, "1/a+b&c==");
}

TEST(ListObjectsXmlTest, LastAndEmptyPages) {
  auto r = ParseListObjectsV2(
      "<ListBucketResult><IsTruncated>false</IsTruncated><Contents><Key>k</Key></Contents>"
      "</ListBucketResult>");
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->is_truncated);
  EXPECT_EQ(r->keys, (std::vector<std::string>{"k"}));
  auto e = ParseListObjectsV2("<ListBucketResult><Prefix/><IsTruncated>false</IsTruncated></ListBucketResult>");
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_TRUE(e->keys.empty());
}

TEST(ListObjectsXmlTest, RejectsMalformed) {
  for (const char* bad : {
           "",
           "<ListBucketResult><IsTruncated>false</IsTruncated>",                      // truncated
           "<ListBucketResult><IsTruncated>false</Truncated></ListBucketResult>",      // mismatch
           "<ListBucketResult><Contents><Key>a&x;</Key></Contents><IsTruncated>false</IsTruncated></ListBucketResult>",
           "<ListBucketResult><IsTruncated>yes</IsTruncated></ListBucketResult>",
           "<ListBucketResult><IsTruncated>true</IsTruncated></ListBucketResult>",     // no token
           "<ListBucketResult></ListBucketResult>",                                    // no IsTruncated
           "<Error><Code>AccessDenied</Code></Error>",
           "junk<ListBucketResult/>",
       }) {
    EXPECT_EQ(ParseListObjectsV2(bad).status().code(), Code::kIOError) << bad;
  }
}

TEST(ListObjectsXmlTest, ErrorSummary) {
  EXPECT_EQ(ParseS3ErrorSummary("<?xml version=\"1.0\"?><Error><Code>NoSuchBucket</Code>"
                                "<Message>The bucket &apos;x&apos; does not exist</Message></Error>"),
            "NoSuchBucket: The bucket 'x' does not exist");
  EXPECT_EQ(ParseS3ErrorSummary("not xml <"), "");
  EXPECT_EQ(ParseS3ErrorSummary(""), "");
}

}  // namespace
}  // namespace ferry
