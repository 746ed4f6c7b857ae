/* test-proto.c - the wire protocol module (common/td-proto.h): a table of
 * frames with the decode result each must give, golden encodings of every
 * frame type with a getter-by-getter round trip, hostile inputs, and the
 * validators and code tables.
 *
 * TD_TEST_DATA (set by meson) points at tests/data; golden files live in
 * its golden/ directory.  With TD_TEST_UPDATE_GOLDEN=1 the golden test
 * rewrites them instead of comparing (review the diff!).
 */
#define G_LOG_DOMAIN "test-proto"

#include <string.h>

#include "td-proto.h"

/* ---- The decode table ---- */

#define OK (-1)

typedef struct {
  const char  *name;      /* test path component */
  const char  *json;
  int          code;      /* OK or a TdProtoError */
  TdFrameType  type;      /* expected type on success */
  const char  *req;       /* expected out_req on failure (NULL: none) */
  const char  *message;   /* substring expected in the error message, or NULL */
} DecodeCase;

#define PASS(n, j, t)          { n, j, OK, t, NULL, NULL }
#define FAIL(n, j, c)          { n, j, TD_PROTO_ERROR_##c, 0, NULL, NULL }
#define FAIL_MSG(n, j, c, m)   { n, j, TD_PROTO_ERROR_##c, 0, NULL, m }
#define FAIL_REQ(n, j, c, r)   { n, j, TD_PROTO_ERROR_##c, 0, r, NULL }

#define AUTH_HEAD "{\"type\":\"auth\",\"protocol\":1,\"device\":\"laptop-1\","
#define USER_OBJ "{\"login\":\"alice\",\"name\":\"Alice Smith\",\"department\":\"Engineering\",\"title\":\"Developer\",\"status\":\"online\"}"
#define MSG_OBJ "{\"mid\":17,\"seq\":4,\"id\":\"c-01\",\"from\":\"alice\",\"to\":\"bob\",\"text\":\"hi\",\"time\":1764147000123}"

static const DecodeCase decode_cases[] = {
  /* auth */
  PASS ("auth/password", AUTH_HEAD "\"client\":\"tidings-cli/0.1\",\"user\":\"alice\",\"password\":\"secret\"}", TD_FRAME_AUTH),
  PASS ("auth/token", AUTH_HEAD "\"token\":\"abc\"}", TD_FRAME_AUTH),
  PASS ("auth/no-client", AUTH_HEAD "\"user\":\"alice\",\"password\":\"x\"}", TD_FRAME_AUTH),
  PASS ("auth/odd-user-is-for-the-server", AUTH_HEAD "\"user\":\"Zoë Ünknown\",\"password\":\"x\"}", TD_FRAME_AUTH),
  PASS ("auth/null-client", AUTH_HEAD "\"client\":null,\"token\":\"t\"}", TD_FRAME_AUTH),
  FAIL ("auth/protocol-2", "{\"type\":\"auth\",\"protocol\":2,\"device\":\"d\",\"token\":\"t\"}", UNSUPPORTED_VERSION),
  FAIL ("auth/protocol-0", "{\"type\":\"auth\",\"protocol\":0,\"device\":\"d\",\"token\":\"t\"}", UNSUPPORTED_VERSION),
  FAIL ("auth/protocol-2-checked-first", "{\"type\":\"auth\",\"protocol\":2}", UNSUPPORTED_VERSION),
  FAIL ("auth/protocol-string", "{\"type\":\"auth\",\"protocol\":\"1\",\"device\":\"d\",\"token\":\"t\"}", BAD_FIELD),
  FAIL ("auth/protocol-double", "{\"type\":\"auth\",\"protocol\":1.0,\"device\":\"d\",\"token\":\"t\"}", BAD_FIELD),
  FAIL ("auth/protocol-missing", "{\"type\":\"auth\",\"device\":\"d\",\"token\":\"t\"}", MISSING_FIELD),
  FAIL ("auth/device-missing", "{\"type\":\"auth\",\"protocol\":1,\"token\":\"t\"}", MISSING_FIELD),
  FAIL ("auth/device-space", "{\"type\":\"auth\",\"protocol\":1,\"device\":\"my laptop\",\"token\":\"t\"}", BAD_FIELD),
  FAIL ("auth/device-empty", "{\"type\":\"auth\",\"protocol\":1,\"device\":\"\",\"token\":\"t\"}", BAD_FIELD),
  FAIL ("auth/device-number", "{\"type\":\"auth\",\"protocol\":1,\"device\":7,\"token\":\"t\"}", BAD_FIELD),
  FAIL ("auth/client-number", AUTH_HEAD "\"client\":5,\"token\":\"t\"}", BAD_FIELD),
  FAIL ("auth/both-forms", AUTH_HEAD "\"user\":\"a\",\"password\":\"p\",\"token\":\"t\"}", BAD_FIELD),
  FAIL ("auth/token-and-user", AUTH_HEAD "\"user\":\"a\",\"token\":\"t\"}", BAD_FIELD),
  FAIL ("auth/neither-form", AUTH_HEAD "\"client\":\"x\"}", MISSING_FIELD),
  FAIL ("auth/user-without-password", AUTH_HEAD "\"user\":\"alice\"}", MISSING_FIELD),
  FAIL ("auth/password-without-user", AUTH_HEAD "\"password\":\"p\"}", MISSING_FIELD),
  FAIL ("auth/user-empty", AUTH_HEAD "\"user\":\"\",\"password\":\"p\"}", BAD_FIELD),
  FAIL ("auth/password-empty", AUTH_HEAD "\"user\":\"alice\",\"password\":\"\"}", BAD_FIELD),
  FAIL ("auth/password-number", AUTH_HEAD "\"user\":\"alice\",\"password\":1234}", BAD_FIELD),
  FAIL ("auth/token-empty", AUTH_HEAD "\"token\":\"\"}", BAD_FIELD),
  FAIL ("auth/token-array", AUTH_HEAD "\"token\":[\"t\"]}", BAD_FIELD),

  /* send */
  PASS ("send/valid", "{\"type\":\"send\",\"req\":\"r1\",\"id\":\"c-01\",\"to\":\"bob\",\"text\":\"hello\"}", TD_FRAME_SEND),
  PASS ("send/no-req", "{\"type\":\"send\",\"id\":\"c-01\",\"to\":\"bob\",\"text\":\"hello\"}", TD_FRAME_SEND),
  PASS ("send/unicode", "{\"type\":\"send\",\"id\":\"A.b_c:d-9\",\"to\":\"wang.fang\",\"text\":\"\\u4f60\\u597d \\ud83d\\udc4b \\\"q\\\" \\\\ \\/\"}", TD_FRAME_SEND),
  PASS ("send/members-reordered", "{\"text\":\"hi\",\"to\":\"bob\",\"id\":\"c\",\"type\":\"send\"}", TD_FRAME_SEND),
  PASS ("send/whitespace-around", " \n\t{ \"type\" : \"send\" , \"id\" : \"c\" , \"to\" : \"bob\" , \"text\" : \"hi\" } \r\n", TD_FRAME_SEND),
  FAIL ("send/id-missing", "{\"type\":\"send\",\"to\":\"bob\",\"text\":\"hi\"}", MISSING_FIELD),
  FAIL ("send/id-empty", "{\"type\":\"send\",\"id\":\"\",\"to\":\"bob\",\"text\":\"hi\"}", BAD_FIELD),
  FAIL ("send/id-slash", "{\"type\":\"send\",\"id\":\"a/b\",\"to\":\"bob\",\"text\":\"hi\"}", BAD_FIELD),
  FAIL ("send/id-65", "{\"type\":\"send\",\"id\":\"12345678901234567890123456789012345678901234567890123456789012345\",\"to\":\"bob\",\"text\":\"hi\"}", BAD_FIELD),
  PASS ("send/id-64", "{\"type\":\"send\",\"id\":\"1234567890123456789012345678901234567890123456789012345678901234\",\"to\":\"bob\",\"text\":\"hi\"}", TD_FRAME_SEND),
  FAIL ("send/id-number", "{\"type\":\"send\",\"id\":1,\"to\":\"bob\",\"text\":\"hi\"}", BAD_FIELD),
  FAIL ("send/to-missing", "{\"type\":\"send\",\"id\":\"c\",\"text\":\"hi\"}", MISSING_FIELD),
  FAIL_MSG ("send/to-number", "{\"type\":\"send\",\"id\":\"c\",\"to\":5,\"text\":\"hi\"}", BAD_FIELD, "member \"to\" must be a string"),
  FAIL ("send/to-upper", "{\"type\":\"send\",\"id\":\"c\",\"to\":\"Bob\",\"text\":\"hi\"}", BAD_FIELD),
  FAIL ("send/to-dash-first", "{\"type\":\"send\",\"id\":\"c\",\"to\":\"-bob\",\"text\":\"hi\"}", BAD_FIELD),
  FAIL ("send/to-object", "{\"type\":\"send\",\"id\":\"c\",\"to\":{},\"text\":\"hi\"}", BAD_FIELD),
  FAIL ("send/text-missing", "{\"type\":\"send\",\"id\":\"c\",\"to\":\"bob\"}", MISSING_FIELD),
  FAIL ("send/text-null", "{\"type\":\"send\",\"id\":\"c\",\"to\":\"bob\",\"text\":null}", MISSING_FIELD),
  FAIL ("send/text-number", "{\"type\":\"send\",\"id\":\"c\",\"to\":\"bob\",\"text\":5}", BAD_FIELD),
  FAIL ("send/text-bool", "{\"type\":\"send\",\"id\":\"c\",\"to\":\"bob\",\"text\":true}", BAD_FIELD),
  FAIL ("send/text-empty", "{\"type\":\"send\",\"id\":\"c\",\"to\":\"bob\",\"text\":\"\"}", BAD_FIELD),
  FAIL_MSG ("send/text-whitespace", "{\"type\":\"send\",\"id\":\"c\",\"to\":\"bob\",\"text\":\" \\n\\t \\r\"}", BAD_FIELD, "white space"),
  FAIL ("send/text-unicode-whitespace", "{\"type\":\"send\",\"id\":\"c\",\"to\":\"bob\",\"text\":\"\\u3000\\u00a0\"}", BAD_FIELD),
  FAIL_MSG ("send/text-nul", "{\"type\":\"send\",\"id\":\"c\",\"to\":\"bob\",\"text\":\"a\\u0000b\"}", BAD_FIELD, "member \"text\""),
  FAIL ("send/req-space", "{\"type\":\"send\",\"req\":\"r 1\",\"id\":\"c\",\"to\":\"bob\",\"text\":\"hi\"}", BAD_FIELD),
  FAIL ("send/req-number", "{\"type\":\"send\",\"req\":1,\"id\":\"c\",\"to\":\"bob\",\"text\":\"hi\"}", BAD_FIELD),
  FAIL ("send/req-empty", "{\"type\":\"send\",\"req\":\"\",\"id\":\"c\",\"to\":\"bob\",\"text\":\"hi\"}", BAD_FIELD),

  /* ack */
  PASS ("ack/zero", "{\"type\":\"ack\",\"seq\":0}", TD_FRAME_ACK),
  PASS ("ack/twelve", "{\"type\":\"ack\",\"seq\":12}", TD_FRAME_ACK),
  PASS ("ack/2^53", "{\"type\":\"ack\",\"seq\":9007199254740992}", TD_FRAME_ACK),
  FAIL ("ack/2^53+1", "{\"type\":\"ack\",\"seq\":9007199254740993}", BAD_FIELD),
  FAIL ("ack/2^64", "{\"type\":\"ack\",\"seq\":18446744073709551616}", BAD_FIELD),
  FAIL ("ack/minus-2^64-wraps-in-json-glib", "{\"type\":\"ack\",\"seq\":-18446744073709551616}", BAD_FIELD),
  FAIL ("ack/negative", "{\"type\":\"ack\",\"seq\":-1}", BAD_FIELD),
  FAIL ("ack/fraction", "{\"type\":\"ack\",\"seq\":1.5}", BAD_FIELD),
  FAIL ("ack/integral-double", "{\"type\":\"ack\",\"seq\":3.0}", BAD_FIELD),
  FAIL ("ack/exponent", "{\"type\":\"ack\",\"seq\":1e3}", BAD_FIELD),
  FAIL ("ack/string", "{\"type\":\"ack\",\"seq\":\"12\"}", BAD_FIELD),
  FAIL ("ack/bool", "{\"type\":\"ack\",\"seq\":true}", BAD_FIELD),
  FAIL ("ack/missing", "{\"type\":\"ack\"}", MISSING_FIELD),

  /* history request */
  PASS ("history/full", "{\"type\":\"history\",\"req\":\"h1\",\"peer\":\"bob\",\"before\":0,\"limit\":50}", TD_FRAME_HISTORY),
  PASS ("history/peer-only", "{\"type\":\"history\",\"peer\":\"bob\"}", TD_FRAME_HISTORY),
  PASS ("history/limit-0", "{\"type\":\"history\",\"peer\":\"bob\",\"limit\":0}", TD_FRAME_HISTORY),
  PASS ("history/limit-200", "{\"type\":\"history\",\"peer\":\"bob\",\"limit\":200}", TD_FRAME_HISTORY),
  FAIL ("history/limit-201", "{\"type\":\"history\",\"peer\":\"bob\",\"limit\":201}", BAD_FIELD),
  FAIL ("history/limit-negative", "{\"type\":\"history\",\"peer\":\"bob\",\"limit\":-1}", BAD_FIELD),
  FAIL ("history/limit-double", "{\"type\":\"history\",\"peer\":\"bob\",\"limit\":10.0}", BAD_FIELD),
  FAIL ("history/before-negative", "{\"type\":\"history\",\"peer\":\"bob\",\"before\":-5}", BAD_FIELD),
  FAIL ("history/peer-missing", "{\"type\":\"history\",\"limit\":5}", MISSING_FIELD),
  FAIL ("history/peer-bad", "{\"type\":\"history\",\"peer\":\"b o b\"}", BAD_FIELD),

  /* history result */
  PASS ("history-result/valid", "{\"type\":\"history\",\"req\":\"h1\",\"peer\":\"bob\",\"messages\":[" MSG_OBJ "],\"more\":true}", TD_FRAME_HISTORY),
  PASS ("history-result/empty", "{\"type\":\"history\",\"peer\":\"bob\",\"messages\":[],\"more\":false}", TD_FRAME_HISTORY),
  PASS ("history-result/no-seq", "{\"type\":\"history\",\"peer\":\"bob\",\"messages\":[{\"mid\":1,\"id\":\"c\",\"from\":\"a\",\"to\":\"b\",\"text\":\"x\",\"time\":0}],\"more\":false}", TD_FRAME_HISTORY),
  FAIL ("history-result/messages-object", "{\"type\":\"history\",\"peer\":\"bob\",\"messages\":{},\"more\":false}", BAD_FIELD),
  FAIL ("history-result/more-missing", "{\"type\":\"history\",\"peer\":\"bob\",\"messages\":[]}", MISSING_FIELD),
  FAIL ("history-result/more-number", "{\"type\":\"history\",\"peer\":\"bob\",\"messages\":[],\"more\":1}", BAD_FIELD),
  FAIL_MSG ("history-result/message-mid-0", "{\"type\":\"history\",\"peer\":\"bob\",\"messages\":[" MSG_OBJ ",{\"mid\":0,\"id\":\"c\",\"from\":\"a\",\"to\":\"b\",\"text\":\"x\",\"time\":0}],\"more\":false}", BAD_FIELD, "member \"messages[1].mid\""),
  FAIL ("history-result/message-not-object", "{\"type\":\"history\",\"peer\":\"bob\",\"messages\":[1],\"more\":false}", BAD_FIELD),

  /* status */
  PASS ("status/online", "{\"type\":\"status\",\"status\":\"online\"}", TD_FRAME_STATUS),
  PASS ("status/away", "{\"type\":\"status\",\"status\":\"away\"}", TD_FRAME_STATUS),
  PASS ("status/busy", "{\"type\":\"status\",\"status\":\"busy\"}", TD_FRAME_STATUS),
  FAIL ("status/offline", "{\"type\":\"status\",\"status\":\"offline\"}", BAD_FIELD),
  FAIL ("status/unknown", "{\"type\":\"status\",\"status\":\"asleep\"}", BAD_FIELD),
  FAIL ("status/case", "{\"type\":\"status\",\"status\":\"Away\"}", BAD_FIELD),
  FAIL ("status/number", "{\"type\":\"status\",\"status\":1}", BAD_FIELD),
  FAIL ("status/missing", "{\"type\":\"status\"}", MISSING_FIELD),

  /* requests without members */
  PASS ("logout/req", "{\"type\":\"logout\",\"req\":\"x\"}", TD_FRAME_LOGOUT),
  PASS ("logout/bare", "{\"type\":\"logout\"}", TD_FRAME_LOGOUT),
  PASS ("ping/req", "{\"type\":\"ping\",\"req\":\"p1\"}", TD_FRAME_PING),
  PASS ("ping/bare", "{\"type\":\"ping\"}", TD_FRAME_PING),
  PASS ("ping/req-null", "{\"type\":\"ping\",\"req\":null}", TD_FRAME_PING),
  PASS ("pong/req", "{\"type\":\"pong\",\"req\":\"p1\"}", TD_FRAME_PONG),
  PASS ("bye/bare", "{\"type\":\"bye\"}", TD_FRAME_BYE),

  /* welcome */
  PASS ("welcome/valid", "{\"type\":\"welcome\",\"req\":\"a1\",\"protocol\":1,\"self\":" USER_OBJ ",\"token\":\"tok\",\"token_expires\":1766739000000,\"last_seq\":0}", TD_FRAME_WELCOME),
  FAIL ("welcome/protocol-2", "{\"type\":\"welcome\",\"protocol\":2,\"self\":" USER_OBJ ",\"token\":\"tok\",\"token_expires\":1,\"last_seq\":0}", UNSUPPORTED_VERSION),
  FAIL ("welcome/self-missing", "{\"type\":\"welcome\",\"protocol\":1,\"token\":\"tok\",\"token_expires\":1,\"last_seq\":0}", MISSING_FIELD),
  FAIL ("welcome/self-string", "{\"type\":\"welcome\",\"protocol\":1,\"self\":\"alice\",\"token\":\"tok\",\"token_expires\":1,\"last_seq\":0}", BAD_FIELD),
  FAIL_MSG ("welcome/self-status", "{\"type\":\"welcome\",\"protocol\":1,\"self\":{\"login\":\"alice\",\"name\":\"A\",\"department\":\"E\",\"title\":\"\",\"status\":\"gone\"},\"token\":\"tok\",\"token_expires\":1,\"last_seq\":0}", BAD_FIELD, "member \"self.status\""),
  FAIL ("welcome/self-title-missing", "{\"type\":\"welcome\",\"protocol\":1,\"self\":{\"login\":\"alice\",\"name\":\"A\",\"department\":\"E\",\"status\":\"online\"},\"token\":\"tok\",\"token_expires\":1,\"last_seq\":0}", MISSING_FIELD),
  FAIL ("welcome/token-missing", "{\"type\":\"welcome\",\"protocol\":1,\"self\":" USER_OBJ ",\"token_expires\":1,\"last_seq\":0}", MISSING_FIELD),
  FAIL ("welcome/expires-negative", "{\"type\":\"welcome\",\"protocol\":1,\"self\":" USER_OBJ ",\"token\":\"t\",\"token_expires\":-1,\"last_seq\":0}", BAD_FIELD),
  FAIL ("welcome/last-seq-missing", "{\"type\":\"welcome\",\"protocol\":1,\"self\":" USER_OBJ ",\"token\":\"t\",\"token_expires\":1}", MISSING_FIELD),

  /* directory */
  PASS ("directory/valid", "{\"type\":\"directory\",\"departments\":[\"Engineering\",\"Sales\"],\"users\":[" USER_OBJ "],\"complete\":true}", TD_FRAME_DIRECTORY),
  PASS ("directory/empty", "{\"type\":\"directory\",\"departments\":[],\"users\":[],\"complete\":false}", TD_FRAME_DIRECTORY),
  FAIL ("directory/departments-missing", "{\"type\":\"directory\",\"users\":[],\"complete\":true}", MISSING_FIELD),
  FAIL ("directory/department-number", "{\"type\":\"directory\",\"departments\":[1],\"users\":[],\"complete\":true}", BAD_FIELD),
  FAIL ("directory/department-empty", "{\"type\":\"directory\",\"departments\":[\"\"],\"users\":[],\"complete\":true}", BAD_FIELD),
  FAIL ("directory/users-object", "{\"type\":\"directory\",\"departments\":[],\"users\":{},\"complete\":true}", BAD_FIELD),
  FAIL_MSG ("directory/user-login-bad", "{\"type\":\"directory\",\"departments\":[],\"users\":[" USER_OBJ ",{\"login\":\"A\",\"name\":\"A\",\"department\":\"E\",\"title\":\"\",\"status\":\"online\"}],\"complete\":true}", BAD_FIELD, "member \"users[1].login\""),
  FAIL ("directory/complete-missing", "{\"type\":\"directory\",\"departments\":[],\"users\":[]}", MISSING_FIELD),
  FAIL ("directory/complete-string", "{\"type\":\"directory\",\"departments\":[],\"users\":[],\"complete\":\"yes\"}", BAD_FIELD),

  /* presence */
  PASS ("presence/offline", "{\"type\":\"presence\",\"user\":\"bob\",\"status\":\"offline\"}", TD_FRAME_PRESENCE),
  PASS ("presence/away", "{\"type\":\"presence\",\"user\":\"bob\",\"status\":\"away\"}", TD_FRAME_PRESENCE),
  FAIL ("presence/user-bad", "{\"type\":\"presence\",\"user\":\"Bob!\",\"status\":\"away\"}", BAD_FIELD),
  FAIL ("presence/status-missing", "{\"type\":\"presence\",\"user\":\"bob\"}", MISSING_FIELD),

  /* message */
  PASS ("message/valid", "{\"type\":\"message\",\"message\":" MSG_OBJ "}", TD_FRAME_MESSAGE),
  FAIL ("message/missing", "{\"type\":\"message\"}", MISSING_FIELD),
  FAIL ("message/string", "{\"type\":\"message\",\"message\":\"hi\"}", BAD_FIELD),
  FAIL_MSG ("message/mid-missing", "{\"type\":\"message\",\"message\":{\"id\":\"c\",\"from\":\"a\",\"to\":\"b\",\"text\":\"x\",\"time\":0}}", MISSING_FIELD, "member \"message.mid\" is missing"),
  FAIL ("message/seq-negative", "{\"type\":\"message\",\"message\":{\"mid\":1,\"seq\":-1,\"id\":\"c\",\"from\":\"a\",\"to\":\"b\",\"text\":\"x\",\"time\":0}}", BAD_FIELD),
  FAIL ("message/time-double", "{\"type\":\"message\",\"message\":{\"mid\":1,\"id\":\"c\",\"from\":\"a\",\"to\":\"b\",\"text\":\"x\",\"time\":1.5}}", BAD_FIELD),
  FAIL ("message/from-bad", "{\"type\":\"message\",\"message\":{\"mid\":1,\"id\":\"c\",\"from\":\"A\",\"to\":\"b\",\"text\":\"x\",\"time\":0}}", BAD_FIELD),
  FAIL ("message/text-whitespace", "{\"type\":\"message\",\"message\":{\"mid\":1,\"id\":\"c\",\"from\":\"a\",\"to\":\"b\",\"text\":\"  \",\"time\":0}}", BAD_FIELD),

  /* sent, synced */
  PASS ("sent/valid", "{\"type\":\"sent\",\"req\":\"r1\",\"message\":" MSG_OBJ ",\"duplicate\":false}", TD_FRAME_SENT),
  FAIL ("sent/duplicate-missing", "{\"type\":\"sent\",\"message\":" MSG_OBJ "}", MISSING_FIELD),
  FAIL ("sent/message-missing", "{\"type\":\"sent\",\"duplicate\":true}", MISSING_FIELD),
  PASS ("synced/valid", "{\"type\":\"synced\",\"seq\":42}", TD_FRAME_SYNCED),
  FAIL ("synced/negative", "{\"type\":\"synced\",\"seq\":-42}", BAD_FIELD),

  /* error */
  PASS ("error/with-id", "{\"type\":\"error\",\"req\":\"r1\",\"code\":\"unknown_recipient\",\"message\":\"no such user\",\"id\":\"c-01\"}", TD_FRAME_ERROR),
  PASS ("error/without-id", "{\"type\":\"error\",\"code\":\"rate_limited\",\"message\":\"\"}", TD_FRAME_ERROR),
  PASS ("error/future-code", "{\"type\":\"error\",\"code\":\"quota_exceeded\",\"message\":\"m\"}", TD_FRAME_ERROR),
  FAIL ("error/code-missing", "{\"type\":\"error\",\"message\":\"m\"}", MISSING_FIELD),
  FAIL ("error/code-number", "{\"type\":\"error\",\"code\":3,\"message\":\"m\"}", BAD_FIELD),
  FAIL ("error/message-missing", "{\"type\":\"error\",\"code\":\"internal\"}", MISSING_FIELD),
  FAIL ("error/id-bad", "{\"type\":\"error\",\"code\":\"internal\",\"message\":\"m\",\"id\":\"a b\"}", BAD_FIELD),

  /* not a frame */
  FAIL ("frame/empty", "", INVALID_JSON),
  FAIL ("frame/blank", "  \n ", INVALID_JSON),
  FAIL ("frame/truncated", "{\"type\":\"ping\"", INVALID_JSON),
  FAIL ("frame/garbage", "hello", INVALID_JSON),
  FAIL ("frame/top-level-array", "[{\"type\":\"ping\"}]", NOT_OBJECT),
  FAIL ("frame/top-level-number", "1", NOT_OBJECT),
  FAIL ("frame/top-level-string", "\"ping\"", NOT_OBJECT),
  FAIL ("frame/top-level-null", "null", NOT_OBJECT),
  FAIL ("frame/raw-ff", "{\"type\":\"send\",\"id\":\"c\",\"to\":\"bob\",\"text\":\"\xff\"}", INVALID_JSON),
  FAIL ("frame/overlong-utf8", "{\"type\":\"ping\",\"x\":\"\xc0\xaf\"}", INVALID_JSON),
  FAIL ("frame/raw-control-in-string", "{\"type\":\"send\",\"id\":\"c\",\"to\":\"bob\",\"text\":\"a\tb\"}", INVALID_JSON),
  FAIL ("frame/lone-high-surrogate", "{\"type\":\"ping\",\"x\":\"\\ud800\"}", INVALID_JSON),
  FAIL ("frame/lone-low-surrogate", "{\"type\":\"ping\",\"x\":\"\\udc00x\"}", INVALID_JSON),
  FAIL ("frame/bad-escape", "{\"type\":\"ping\",\"x\":\"\\x41\"}", INVALID_JSON),
  FAIL ("frame/short-unicode-escape", "{\"type\":\"ping\",\"x\":\"\\u12\"}", INVALID_JSON),
  /* json-glib accepts all of the following; the strict scan must not. */
  FAIL ("frame/comment", "{/* c */\"type\":\"ping\"}", INVALID_JSON),
  FAIL ("frame/line-comment", "{\"type\":\"ping\"}// c", INVALID_JSON),
  FAIL ("frame/single-quotes", "{'type':'ping'}", INVALID_JSON),
  FAIL ("frame/trailing-value", "{\"type\":\"ping\"} {\"type\":\"ping\"}", INVALID_JSON),
  FAIL ("frame/assignment", "var x = {\"type\":\"ping\"}", INVALID_JSON),
  FAIL ("frame/hex-number", "{\"type\":\"ack\",\"seq\":0x10}", INVALID_JSON),
  FAIL ("frame/leading-zero", "{\"type\":\"ack\",\"seq\":012}", INVALID_JSON),
  FAIL ("frame/leading-dot", "{\"type\":\"ping\",\"x\":.5}", INVALID_JSON),
  FAIL ("frame/plus-sign", "{\"type\":\"ping\",\"x\":+1}", INVALID_JSON),
  FAIL ("frame/trailing-comma", "{\"type\":\"ping\",}", INVALID_JSON),
  FAIL ("frame/trailing-comma-array", "{\"type\":\"ping\",\"x\":[1,]}", INVALID_JSON),
  FAIL ("frame/missing-colon", "{\"type\" \"ping\"}", INVALID_JSON),
  FAIL ("frame/bare-key", "{type:\"ping\"}", INVALID_JSON),
  FAIL ("frame/nan", "{\"type\":\"ping\",\"x\":NaN}", INVALID_JSON),
  FAIL ("frame/capital-true", "{\"type\":\"ping\",\"x\":True}", INVALID_JSON),
  FAIL ("frame/mismatched-brackets", "{\"type\":\"ping\",\"x\":[1}}", INVALID_JSON),
  FAIL ("frame/unterminated-string", "{\"type\":\"ping\",\"x\":\"abc}", INVALID_JSON),
  FAIL ("frame/empty-object", "{}", UNKNOWN_TYPE),
  FAIL ("frame/type-number", "{\"type\":5}", UNKNOWN_TYPE),
  FAIL ("frame/type-null", "{\"type\":null}", UNKNOWN_TYPE),
  FAIL_MSG ("frame/type-unknown", "{\"type\":\"subscribe\"}", UNKNOWN_TYPE, "\"subscribe\""),
  FAIL ("frame/type-case", "{\"type\":\"PING\"}", UNKNOWN_TYPE),
  FAIL ("frame/type-invalid", "{\"type\":\"invalid\"}", UNKNOWN_TYPE),

  /* forward compatibility and JSON corner cases */
  PASS ("frame/unknown-members", "{\"type\":\"ping\",\"future\":{\"a\":[1,2.5,null,true]},\"x\":1.5e10,\"y\":\"z\"}", TD_FRAME_PING),
  PASS ("frame/duplicate-member-last-wins", "{\"type\":\"ack\",\"seq\":-1,\"seq\":1}", TD_FRAME_ACK),
  FAIL ("frame/big-int-in-unknown-member", "{\"type\":\"ping\",\"x\":123456789012345678901}", BAD_FIELD),
  FAIL ("frame/nul-in-unknown-member", "{\"type\":\"ping\",\"x\":[\"\\u0000\"]}", BAD_FIELD),
  PASS ("frame/negative-zero", "{\"type\":\"ack\",\"seq\":-0}", TD_FRAME_ACK),

  /* nesting: the frame object is level 1 */
  PASS ("depth/8", "{\"type\":\"ping\",\"x\":[[[[[[[1]]]]]]]}", TD_FRAME_PING),
  FAIL ("depth/9", "{\"type\":\"ping\",\"x\":[[[[[[[[1]]]]]]]]}", TOO_DEEP),
  FAIL ("depth/9-objects", "{\"type\":\"ping\",\"x\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":1}}}}}}}}}", TOO_DEEP),
  FAIL ("depth/9-before-type", "{\"x\":[[[[[[[[1]]]]]]]],\"type\":\"ping\"}", TOO_DEEP),
  PASS ("depth/brackets-in-string", "{\"type\":\"ping\",\"x\":\"[[[[[[[[[[\\\"[[[[[[[[[[\"}", TD_FRAME_PING),
  FAIL ("depth/9-unbalanced", "[[[[[[[[[", TOO_DEEP),

  /* req reaches the caller when the frame fails */
  FAIL_REQ ("req/unknown-type", "{\"type\":\"subscribe\",\"req\":\"r9\"}", UNKNOWN_TYPE, "r9"),
  FAIL_REQ ("req/no-type", "{\"req\":\"r3\"}", UNKNOWN_TYPE, "r3"),
  FAIL_REQ ("req/missing-member", "{\"type\":\"send\",\"req\":\"r2\",\"id\":\"c1\",\"to\":\"bob\"}", MISSING_FIELD, "r2"),
  FAIL_REQ ("req/limit-too-big", "{\"type\":\"history\",\"req\":\"h:1\",\"peer\":\"bob\",\"limit\":500}", BAD_FIELD, "h:1"),
  FAIL_REQ ("req/nul-in-text", "{\"type\":\"send\",\"req\":\"r4\",\"id\":\"c\",\"to\":\"bob\",\"text\":\"a\\u0000\"}", BAD_FIELD, "r4"),
  FAIL_REQ ("req/invalid-req", "{\"type\":\"send\",\"req\":\"bad req!\",\"id\":\"c\",\"to\":\"bob\"}", BAD_FIELD, NULL),
  FAIL_REQ ("req/nul-in-req", "{\"type\":\"ping\",\"req\":\"r\\u0000x\"}", BAD_FIELD, NULL),
  FAIL_REQ ("req/req-not-string", "{\"type\":\"ping\",\"req\":[\"r\"]}", BAD_FIELD, NULL),
  FAIL_REQ ("req/version", "{\"type\":\"auth\",\"req\":\"a\",\"protocol\":9}", UNSUPPORTED_VERSION, "a"),
};

static const char *
proto_error_name (int code)
{
  static const char * const names[] = {
    "INVALID_JSON", "TOO_LARGE", "TOO_DEEP", "NOT_OBJECT", "UNKNOWN_TYPE",
    "MISSING_FIELD", "BAD_FIELD", "TEXT_TOO_LONG", "UNSUPPORTED_VERSION",
  };

  if (code == OK)
    return "success";
  if (code >= 0 && code < (int) G_N_ELEMENTS (names))
    return names[code];
  return "?";
}

/* Decodes @data and checks the outcome against @code / @type / @req. */
static TdFrame *
check_decode (const char  *data,
              gsize        len,
              gsize        max_len,
              int          code,
              TdFrameType  type,
              const char  *req,
              const char  *message)
{
  static char poison[] = "poison";
  g_autoptr(GError) error = NULL;
  char *req_slot = poison;
  g_autoptr(TdFrame) frame = td_frame_decode (data, len, max_len, &req_slot, &error);
  g_autofree char *out_req = NULL;

  /* decode must always set *out_req, to NULL or to a new string. */
  g_assert_true (req_slot != poison);
  out_req = req_slot;

  if (code == OK)
    {
      if (frame == NULL)
        g_error ("expected success, got %s", error->message);
      g_assert_cmpint (td_frame_get_frame_type (frame), ==, type);
      g_assert_null (out_req);
      return g_steal_pointer (&frame);
    }

  if (frame != NULL)
    g_error ("expected %s, but the frame decoded as %s", proto_error_name (code),
             td_frame_type_to_string (td_frame_get_frame_type (frame)));
  g_assert_nonnull (error);
  if (!g_error_matches (error, TD_PROTO_ERROR, code))
    g_error ("expected %s, got %s (%s)", proto_error_name (code),
             proto_error_name (error->code), error->message);
  g_test_message ("error: %s", error->message);
  g_assert_cmpstr (out_req, ==, req);
  if (message != NULL && strstr (error->message, message) == NULL)
    g_error ("error message \"%s\" lacks \"%s\"", error->message, message);
  return NULL;
}

static TdFrame *
check_decode_str (const char  *json,
                  gsize        max_len,
                  int          code,
                  TdFrameType  type,
                  const char  *req,
                  const char  *message)
{
  return check_decode (json, strlen (json), max_len, code, type, req, message);
}

static void
test_decode_case (gconstpointer data)
{
  const DecodeCase *c = data;
  g_autoptr(TdFrame) frame = NULL;

  frame = check_decode (c->json, strlen (c->json), TD_PROTO_MAX_FRAME,
                        c->code, c->type, c->req, c->message);
  if (frame != NULL)
    {
      /* Every frame that decodes re-encodes to something that decodes
       * to the same encoding. */
      gsize len1 = 0, len2 = 0;
      g_autofree char *json1 = td_frame_encode (frame, &len1);
      g_autoptr(TdFrame) again = check_decode (json1, len1, TD_PROTO_MAX_FRAME,
                                               OK, c->type, NULL, NULL);
      g_autofree char *json2 = td_frame_encode (again, &len2);

      g_assert_cmpstr (json1, ==, json2);
      g_assert_cmpuint (len1, ==, strlen (json1));
      g_assert_cmpuint (len1, ==, len2);
    }
}

/* ---- Specific decode checks ---- */

static void
test_decode_values (void)
{
  g_autoptr(TdFrame) send = NULL;
  g_autoptr(TdFrame) hist = NULL;
  g_autoptr(TdFrame) hist0 = NULL;
  g_autoptr(TdFrame) auth = NULL;
  g_autoptr(TdFrame) ack = NULL;
  g_autoptr(TdFrame) err = NULL;
  g_autoptr(TdFrame) ping = NULL;

  send = check_decode_str ("{\"type\":\"send\",\"id\":\"c\",\"to\":\"bob\","
                       "\"text\":\"\\u4f60\\ud83d\\udc4b\\\"\\n\\/\"}",
                       TD_PROTO_MAX_FRAME, OK, TD_FRAME_SEND, NULL, NULL);
  g_assert_cmpstr (td_frame_get_text (send), ==, "你👋\"\n/");
  g_assert_null (td_frame_get_req (send));

  hist = check_decode_str ("{\"type\":\"history\",\"peer\":\"bob\"}",
                       TD_PROTO_MAX_FRAME, OK, TD_FRAME_HISTORY, NULL, NULL);
  g_assert_false (td_frame_is_history_result (hist));
  g_assert_cmpint (td_frame_get_before (hist), ==, 0);
  g_assert_cmpuint (td_frame_get_limit (hist), ==, TD_PROTO_HISTORY_DEFAULT);
  g_assert_null (td_frame_get_messages (hist));

  hist0 = check_decode_str ("{\"type\":\"history\",\"peer\":\"bob\",\"before\":77,\"limit\":0}",
                        TD_PROTO_MAX_FRAME, OK, TD_FRAME_HISTORY, NULL, NULL);
  g_assert_cmpint (td_frame_get_before (hist0), ==, 77);
  g_assert_cmpuint (td_frame_get_limit (hist0), ==, TD_PROTO_HISTORY_DEFAULT);

  auth = check_decode_str (AUTH_HEAD "\"user\":\"Zoë\",\"password\":\"p w\"}",
                           TD_PROTO_MAX_FRAME, OK, TD_FRAME_AUTH, NULL, NULL);
  g_assert_cmpstr (td_frame_get_user (auth), ==, "Zoë");
  g_assert_cmpstr (td_frame_get_password (auth), ==, "p w");
  g_assert_null (td_frame_get_token (auth));
  g_assert_null (td_frame_get_client (auth));
  g_assert_cmpint (td_frame_get_protocol (auth), ==, 1);

  ack = check_decode_str ("{\"type\":\"ack\",\"seq\":-1,\"seq\":9007199254740992}",
                      TD_PROTO_MAX_FRAME, OK, TD_FRAME_ACK, NULL, NULL);
  g_assert_cmpint (td_frame_get_seq (ack), ==, G_GINT64_CONSTANT (9007199254740992));

  err = check_decode_str ("{\"type\":\"error\",\"code\":\"quota_exceeded\",\"message\":\"m\"}",
                      TD_PROTO_MAX_FRAME, OK, TD_FRAME_ERROR, NULL, NULL);
  g_assert_cmpint (td_frame_get_error_code (err), ==, TD_ERR_INTERNAL);
  g_assert_null (td_frame_get_id (err));

  /* Getters for members a type does not carry answer NULL / 0. */
  ping = check_decode_str ("{\"type\":\"ping\",\"req\":\"p1\"}",
                       TD_PROTO_MAX_FRAME, OK, TD_FRAME_PING, NULL, NULL);
  g_assert_cmpstr (td_frame_get_req (ping), ==, "p1");
  g_assert_null (td_frame_get_text (ping));
  g_assert_null (td_frame_get_message (ping));
  g_assert_null (td_frame_get_users (ping));
  g_assert_null (td_frame_get_self_user (ping));
  g_assert_cmpint (td_frame_get_seq (ping), ==, 0);
  g_assert_false (td_frame_get_more (ping));
}

static void
test_decode_messages (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TdFrame) frame = NULL;
  const char *json = "{\"type\":\"send\",\"id\":\"c\",\"to\":5,\"text\":\"x\"}";

  frame = td_frame_decode (json, strlen (json), TD_PROTO_MAX_FRAME, NULL, &error);
  g_assert_null (frame);
  g_assert_cmpstr (error->message, ==, "member \"to\" must be a string");
}

static char *
make_send (const char *text_member)
{
  return g_strdup_printf ("{\"type\":\"send\",\"req\":\"t\",\"id\":\"c\",\"to\":\"bob\",\"text\":\"%s\"}",
                          text_member);
}

static void
test_decode_text_limits (void)
{
  g_autofree char *text_max = g_strnfill (TD_PROTO_MAX_TEXT, 'a');
  g_autofree char *text_over = g_strnfill (TD_PROTO_MAX_TEXT + 1, 'a');
  g_autofree char *text_20000 = g_strnfill (20000, 'a');
  g_autoptr(GString) multibyte = g_string_new (NULL);
  g_autoptr(GString) multibyte_over = NULL;
  g_autofree char *json = NULL;
  g_autoptr(TdFrame) frame = NULL;
  g_autoptr(GError) error = NULL;

  json = make_send (text_max);
  frame = check_decode (json, strlen (json), TD_PROTO_MAX_FRAME, OK, TD_FRAME_SEND, NULL, NULL);
  g_assert_cmpuint (strlen (td_frame_get_text (frame)), ==, TD_PROTO_MAX_TEXT);
  g_clear_pointer (&frame, td_frame_unref);
  g_clear_pointer (&json, g_free);

  json = make_send (text_over);
  check_decode (json, strlen (json), TD_PROTO_MAX_FRAME,
                TD_PROTO_ERROR_TEXT_TOO_LONG, 0, "t", NULL);
  g_clear_pointer (&json, g_free);

  json = make_send (text_20000);
  g_assert_null (td_frame_decode (json, strlen (json), TD_PROTO_MAX_FRAME, NULL, &error));
  g_assert_error (error, TD_PROTO_ERROR, TD_PROTO_ERROR_TEXT_TOO_LONG);
  g_assert_cmpstr (error->message, ==, "member \"text\" is 20000 bytes, the limit is 16384");
  g_clear_pointer (&json, g_free);

  /* The limit counts bytes of UTF-8, not characters: 4096 x 4 bytes. */
  for (int i = 0; i < TD_PROTO_MAX_TEXT / 4; i++)
    g_string_append (multibyte, "😀");
  json = make_send (multibyte->str);
  frame = check_decode (json, strlen (json), TD_PROTO_MAX_FRAME, OK, TD_FRAME_SEND, NULL, NULL);
  g_assert_cmpuint (strlen (td_frame_get_text (frame)), ==, TD_PROTO_MAX_TEXT);
  g_clear_pointer (&frame, td_frame_unref);
  g_clear_pointer (&json, g_free);

  multibyte_over = g_string_new (multibyte->str);
  g_string_append (multibyte_over, "é");
  json = make_send (multibyte_over->str);
  check_decode (json, strlen (json), TD_PROTO_MAX_FRAME,
                TD_PROTO_ERROR_TEXT_TOO_LONG, 0, "t", NULL);
  g_clear_pointer (&json, g_free);

  /* Escapes count as what they decode to: 16384 x "\n" escaped. */
  {
    g_autoptr(GString) escaped = g_string_new (NULL);

    for (int i = 0; i < TD_PROTO_MAX_TEXT - 1; i++)
      g_string_append (escaped, "\\n");
    g_string_append (escaped, "x");
    json = make_send (escaped->str);
    frame = check_decode (json, strlen (json), TD_PROTO_MAX_FRAME, OK, TD_FRAME_SEND, NULL, NULL);
    g_assert_cmpuint (strlen (td_frame_get_text (frame)), ==, TD_PROTO_MAX_TEXT);
    g_clear_pointer (&frame, td_frame_unref);
    g_clear_pointer (&json, g_free);
  }
}

static void
test_decode_string_limits (void)
{
  g_autofree char *s65 = g_strnfill (65, 'a');
  g_autofree char *s64 = g_strnfill (64, 'a');
  g_autofree char *s257 = g_strnfill (257, 'x');
  g_autofree char *s256 = g_strnfill (256, 'x');
  g_autofree char *s1025 = g_strnfill (1025, 'p');
  g_autofree char *s1024 = g_strnfill (1024, 'p');
  g_autofree char *s129 = g_strnfill (129, 't');
  g_autofree char *s128 = g_strnfill (128, 't');
  struct {
    char *json;
    int code;
  } cases[] = {
    { g_strdup_printf (AUTH_HEAD "\"user\":\"%s\",\"password\":\"p\"}", s64), OK },
    { g_strdup_printf (AUTH_HEAD "\"user\":\"%s\",\"password\":\"p\"}", s65), TD_PROTO_ERROR_BAD_FIELD },
    { g_strdup_printf (AUTH_HEAD "\"user\":\"a\",\"password\":\"%s\"}", s1024), OK },
    { g_strdup_printf (AUTH_HEAD "\"user\":\"a\",\"password\":\"%s\"}", s1025), TD_PROTO_ERROR_BAD_FIELD },
    { g_strdup_printf (AUTH_HEAD "\"token\":\"%s\"}", s128), OK },
    { g_strdup_printf (AUTH_HEAD "\"token\":\"%s\"}", s129), TD_PROTO_ERROR_BAD_FIELD },
    { g_strdup_printf (AUTH_HEAD "\"client\":\"%s\",\"token\":\"t\"}", s256), OK },
    { g_strdup_printf (AUTH_HEAD "\"client\":\"%s\",\"token\":\"t\"}", s257), TD_PROTO_ERROR_BAD_FIELD },
    { g_strdup_printf ("{\"type\":\"auth\",\"protocol\":1,\"device\":\"%s\",\"token\":\"t\"}", s64), OK },
    { g_strdup_printf ("{\"type\":\"auth\",\"protocol\":1,\"device\":\"%s\",\"token\":\"t\"}", s65), TD_PROTO_ERROR_BAD_FIELD },
    { g_strdup_printf ("{\"type\":\"ping\",\"req\":\"%s\"}", s64), OK },
    { g_strdup_printf ("{\"type\":\"ping\",\"req\":\"%s\"}", s65), TD_PROTO_ERROR_BAD_FIELD },
    { g_strdup_printf ("{\"type\":\"send\",\"id\":\"c\",\"to\":\"%s\",\"text\":\"x\"}", s64), OK },
    { g_strdup_printf ("{\"type\":\"send\",\"id\":\"c\",\"to\":\"%s\",\"text\":\"x\"}", s65), TD_PROTO_ERROR_BAD_FIELD },
    { g_strdup_printf ("{\"type\":\"presence\",\"user\":\"%s\",\"status\":\"away\"}", s65), TD_PROTO_ERROR_BAD_FIELD },
    { g_strdup_printf ("{\"type\":\"directory\",\"departments\":[\"%s\"],\"users\":[],\"complete\":true}", s256), OK },
    { g_strdup_printf ("{\"type\":\"directory\",\"departments\":[\"%s\"],\"users\":[],\"complete\":true}", s257), TD_PROTO_ERROR_BAD_FIELD },
    { g_strdup_printf ("{\"type\":\"directory\",\"departments\":[],\"users\":[{\"login\":\"a\",\"name\":\"%s\",\"department\":\"d\",\"title\":\"\",\"status\":\"busy\"}],\"complete\":true}", s257), TD_PROTO_ERROR_BAD_FIELD },
    { g_strdup_printf ("{\"type\":\"error\",\"code\":\"internal\",\"message\":\"%s\"}", s1024), OK },
    { g_strdup_printf ("{\"type\":\"error\",\"code\":\"internal\",\"message\":\"%s\"}", s1025), TD_PROTO_ERROR_BAD_FIELD },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(TdFrame) frame = NULL;
      g_autoptr(GError) error = NULL;

      frame = td_frame_decode (cases[i].json, strlen (cases[i].json), TD_PROTO_MAX_FRAME, NULL, &error);
      if (cases[i].code == OK && frame == NULL)
        g_error ("case %u: %s", i, error->message);
      if (cases[i].code != OK)
        g_assert_error (error, TD_PROTO_ERROR, cases[i].code);
      g_free (cases[i].json);
    }
}

static void
test_decode_history_max (void)
{
  g_autoptr(GString) json = g_string_new ("{\"type\":\"history\",\"peer\":\"bob\",\"messages\":[");
  g_autoptr(TdFrame) frame = NULL;
  g_autoptr(GError) error = NULL;

  for (int i = 0; i < TD_PROTO_HISTORY_MAX; i++)
    g_string_append_printf (json, "%s{\"mid\":%d,\"id\":\"c%d\",\"from\":\"a\",\"to\":\"b\",\"text\":\"x\",\"time\":0}",
                            i ? "," : "", i + 1, i);
  /* Not closed yet: that is not JSON. */
  check_decode (json->str, json->len, TD_PROTO_MAX_FRAME, TD_PROTO_ERROR_INVALID_JSON, 0, NULL, NULL);
  g_string_append (json, "],\"more\":true}");
  frame = check_decode (json->str, json->len, TD_PROTO_MAX_FRAME, OK, TD_FRAME_HISTORY, NULL, NULL);
  g_assert_cmpuint (td_frame_get_messages (frame)->len, ==, TD_PROTO_HISTORY_MAX);
  g_clear_pointer (&frame, td_frame_unref);

  /* One more is too many. */
  g_string_truncate (json, json->len - strlen ("],\"more\":true}"));
  g_string_append (json, ",{\"mid\":999,\"id\":\"z\",\"from\":\"a\",\"to\":\"b\",\"text\":\"x\",\"time\":0}],\"more\":true}");
  g_assert_null (td_frame_decode (json->str, json->len, TD_PROTO_MAX_SERVER_FRAME, NULL, &error));
  g_assert_error (error, TD_PROTO_ERROR, TD_PROTO_ERROR_BAD_FIELD);
}

/* ---- Hostile input ---- */

static void
test_size_limit (void)
{
  gsize pad = TD_PROTO_MAX_FRAME - strlen ("{\"type\":\"ping\",\"x\":\"\"}");
  g_autofree char *padding = g_strnfill (pad, 'a');
  g_autofree char *json = g_strdup_printf ("{\"type\":\"ping\",\"x\":\"%s\"}", padding);
  g_autofree char *bigger = g_strdup_printf ("{\"type\":\"ping\",\"x\":\"%sa\"}", padding);
  g_autoptr(TdFrame) frame = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *req = NULL;

  g_assert_cmpuint (strlen (json), ==, TD_PROTO_MAX_FRAME);
  frame = check_decode (json, strlen (json), TD_PROTO_MAX_FRAME, OK, TD_FRAME_PING, NULL, NULL);
  g_clear_pointer (&frame, td_frame_unref);
  check_decode (bigger, strlen (bigger), TD_PROTO_MAX_FRAME, TD_PROTO_ERROR_TOO_LARGE, 0, NULL, NULL);
  /* The size check comes before anything else: garbage above the limit
   * is "too large", not "invalid". */
  memset (bigger, 0xff, strlen (bigger));
  g_assert_null (td_frame_decode (bigger, TD_PROTO_MAX_FRAME + 1, TD_PROTO_MAX_FRAME, &req, &error));
  g_assert_error (error, TD_PROTO_ERROR, TD_PROTO_ERROR_TOO_LARGE);
  g_assert_null (req);
  /* The client's limit is larger. */
  g_clear_error (&error);
  frame = td_frame_decode (json, strlen (json), 10, NULL, &error);
  g_assert_error (error, TD_PROTO_ERROR, TD_PROTO_ERROR_TOO_LARGE);
}

static void
test_not_nul_terminated (void)
{
  /* @data is a window into a larger buffer: decode must not read past
   * @len, and a valid prefix must not make the rest count. */
  const char buf[] = "{\"type\":\"ping\"}{\"type\":\"ping\"}";
  g_autoptr(TdFrame) frame = NULL;
  g_autofree char *exact = g_memdup2 ("{\"type\":\"ack\",\"seq\":5}", 22);  /* no NUL */

  frame = check_decode (buf, 15, TD_PROTO_MAX_FRAME, OK, TD_FRAME_PING, NULL, NULL);
  g_clear_pointer (&frame, td_frame_unref);
  check_decode (buf, 14, TD_PROTO_MAX_FRAME, TD_PROTO_ERROR_INVALID_JSON, 0, NULL, NULL);
  check_decode (buf, sizeof buf - 1, TD_PROTO_MAX_FRAME, TD_PROTO_ERROR_INVALID_JSON, 0, NULL, NULL);
  frame = check_decode (exact, 22, TD_PROTO_MAX_FRAME, OK, TD_FRAME_ACK, NULL, NULL);
  g_assert_cmpint (td_frame_get_seq (frame), ==, 5);
  g_clear_pointer (&frame, td_frame_unref);
  /* A raw NUL byte inside the length is invalid. */
  check_decode ("{\"type\":\"ping\"}\0", 16, TD_PROTO_MAX_FRAME, TD_PROTO_ERROR_INVALID_JSON, 0, NULL, NULL);
  check_decode ("{\"type\":\"pi\0g\"}", 15, TD_PROTO_MAX_FRAME, TD_PROTO_ERROR_INVALID_JSON, 0, NULL, NULL);
  /* NULL with length 0 is an empty frame. */
  check_decode (NULL, 0, TD_PROTO_MAX_FRAME, TD_PROTO_ERROR_INVALID_JSON, 0, NULL, NULL);
}

static void
test_very_deep (void)
{
  const gsize depth = 100000;
  g_autoptr(GString) arrays = g_string_sized_new (depth * 2);
  g_autoptr(GString) objects = g_string_sized_new (depth * 6 + 32);

  /* json-glib 1.6 would overflow the stack on these; the depth scan
   * must refuse them first, whether balanced or not. */
  for (gsize i = 0; i < depth; i++)
    g_string_append_c (arrays, '[');
  check_decode (arrays->str, arrays->len, G_MAXSIZE, TD_PROTO_ERROR_TOO_DEEP, 0, NULL, NULL);
  for (gsize i = 0; i < depth; i++)
    g_string_append_c (arrays, ']');
  check_decode (arrays->str, arrays->len, G_MAXSIZE, TD_PROTO_ERROR_TOO_DEEP, 0, NULL, NULL);

  g_string_append (objects, "{\"type\":\"ping\",\"x\":");
  for (gsize i = 0; i < depth; i++)
    g_string_append (objects, "{\"a\":");
  g_string_append (objects, "1");
  for (gsize i = 0; i < depth; i++)
    g_string_append_c (objects, '}');
  g_string_append_c (objects, '}');
  check_decode (objects->str, objects->len, G_MAXSIZE, TD_PROTO_ERROR_TOO_DEEP, 0, NULL, NULL);
}

static void
test_check_depth (void)
{
  const char *deep = "[[[[[[[[[]]]]]]]]]"; /* 9 */

  g_assert_true (td_proto_check_depth ("", 0, 0));
  g_assert_true (td_proto_check_depth ("1", 1, 0));
  g_assert_false (td_proto_check_depth ("[]", 2, 0));
  g_assert_true (td_proto_check_depth ("[]", 2, 1));
  g_assert_true (td_proto_check_depth (deep, strlen (deep), 9));
  g_assert_false (td_proto_check_depth (deep, strlen (deep), 8));
  /* Siblings do not add up. */
  g_assert_true (td_proto_check_depth ("[[1],[2],{\"a\":[3]}]", 19, 3));
  g_assert_false (td_proto_check_depth ("[[1],[2],{\"a\":[[3]]}]", 21, 3));
  /* Brackets in strings, including after escaped quotes, do not count. */
  g_assert_true (td_proto_check_depth ("[\"[[[[\"]", 8, 1));
  g_assert_true (td_proto_check_depth ("[\"\\\"[[[[\"]", 10, 1));
  g_assert_true (td_proto_check_depth ("[\"\\\\\",\"[[\"]", 11, 1));
  g_assert_false (td_proto_check_depth ("[\"\\\\\",[[]]]", 11, 2));
  /* Only @len bytes are looked at. */
  g_assert_true (td_proto_check_depth ("[[[[", 1, 1));
  /* Stray closing brackets do not buy extra depth. */
  g_assert_false (td_proto_check_depth ("]]]]][[", 7, 1));
  /* An unterminated string at the end is harmless. */
  g_assert_true (td_proto_check_depth ("[\"abc\\", 6, 1));
}

/* ---- Golden files ---- */

static const char *
golden_dir (void)
{
  static char *dir = NULL;

  if (dir == NULL)
    {
      const char *data = g_getenv ("TD_TEST_DATA");

      if (data == NULL)
        g_error ("TD_TEST_DATA is not set; run the test through meson");
      dir = g_build_filename (data, "golden", NULL);
    }
  return dir;
}

static TdMessage *
sample_message (gint64 mid, gint64 seq)
{
  return td_message_new (mid, seq, "c-01", "alice", "wang.fang",
                         "Grüße 你好 👋 \"quoted\" back\\slash\nsecond line\ttab\x01",
                         G_GINT64_CONSTANT (1764147000123));
}

static TdFrame *
golden_frame (const char *name)
{
  if (g_str_equal (name, "auth"))
    return td_frame_new_auth_password ("alice", "correct horse \"battery\" staple", "laptop-1", "tidings-cli/0.1");
  if (g_str_equal (name, "auth-token"))
    return td_frame_new_auth_token ("Q2hhbmdlIG1lIGJ5IGdlbmVyYXRpbmcgYSBuZXcgb25lLg", "phone:2", NULL);
  if (g_str_equal (name, "send"))
    return td_frame_new_send ("r1", "c-01", "bob", "hello 世界\n\"ok\"");
  if (g_str_equal (name, "ack"))
    return td_frame_new_ack (12);
  if (g_str_equal (name, "history"))
    return td_frame_new_history_request ("h1", "bob", 1234, 20);
  if (g_str_equal (name, "status"))
    return td_frame_new_status (TD_PRESENCE_AWAY);
  if (g_str_equal (name, "logout"))
    return td_frame_new_logout ("x");
  if (g_str_equal (name, "ping"))
    return td_frame_new_ping ("p1");
  if (g_str_equal (name, "welcome"))
    {
      g_autoptr(TdUser) user = td_user_new ("alice", "Alice Smith", "Engineering", "Developer", TD_PRESENCE_ONLINE);

      return td_frame_new_welcome ("a1", user, "Q2hhbmdlIG1lIGJ5IGdlbmVyYXRpbmcgYSBuZXcgb25lLg",
                                   G_GINT64_CONSTANT (1766739000123), 42);
    }
  if (g_str_equal (name, "directory"))
    {
      g_autoptr(GPtrArray) departments = g_ptr_array_new_with_free_func (g_free);
      g_autoptr(GPtrArray) users = g_ptr_array_new_with_free_func ((GDestroyNotify) td_user_unref);

      g_ptr_array_add (departments, g_strdup ("Engineering"));
      g_ptr_array_add (departments, g_strdup ("Sales"));
      g_ptr_array_add (departments, g_strdup ("财务部"));
      g_ptr_array_add (users, td_user_new ("alice", "Alice Smith", "Engineering", "Developer", TD_PRESENCE_ONLINE));
      g_ptr_array_add (users, td_user_new ("dave", "Dave Brown", "Sales", NULL, TD_PRESENCE_OFFLINE));
      g_ptr_array_add (users, td_user_new ("wang.fang", "王芳", "财务部", "会计", TD_PRESENCE_BUSY));
      return td_frame_new_directory (departments, users, TRUE);
    }
  if (g_str_equal (name, "presence"))
    return td_frame_new_presence ("bob", TD_PRESENCE_AWAY);
  if (g_str_equal (name, "message"))
    {
      g_autoptr(TdMessage) message = sample_message (17, 4);

      return td_frame_new_message (message);
    }
  if (g_str_equal (name, "sent"))
    {
      g_autoptr(TdMessage) message = sample_message (17, 9);

      return td_frame_new_sent ("r1", message, TRUE);
    }
  if (g_str_equal (name, "synced"))
    return td_frame_new_synced (4);
  if (g_str_equal (name, "history-result"))
    {
      g_autoptr(GPtrArray) messages = g_ptr_array_new_with_free_func ((GDestroyNotify) td_message_unref);

      g_ptr_array_add (messages, td_message_new (15, 0, "c-00", "bob", "alice", "earlier", G_GINT64_CONSTANT (1764146000000)));
      g_ptr_array_add (messages, sample_message (17, 0));
      return td_frame_new_history_result ("h1", "bob", messages, TRUE);
    }
  if (g_str_equal (name, "pong"))
    return td_frame_new_pong ("p1");
  if (g_str_equal (name, "bye"))
    return td_frame_new_bye (NULL);
  if (g_str_equal (name, "error"))
    return td_frame_new_error ("r1", TD_ERR_UNKNOWN_RECIPIENT, "no user \"zed\"", "c-01");
  g_assert_not_reached ();
}

static void
assert_message_equal (TdMessage *a, TdMessage *b)
{
  g_assert_cmpint (td_message_get_mid (a), ==, td_message_get_mid (b));
  g_assert_cmpint (td_message_get_seq (a), ==, td_message_get_seq (b));
  g_assert_cmpstr (td_message_get_id (a), ==, td_message_get_id (b));
  g_assert_cmpstr (td_message_get_from (a), ==, td_message_get_from (b));
  g_assert_cmpstr (td_message_get_to (a), ==, td_message_get_to (b));
  g_assert_cmpstr (td_message_get_text (a), ==, td_message_get_text (b));
  g_assert_cmpint (td_message_get_time (a), ==, td_message_get_time (b));
}

static void
assert_user_equal (TdUser *a, TdUser *b)
{
  g_assert_cmpstr (td_user_get_login (a), ==, td_user_get_login (b));
  g_assert_cmpstr (td_user_get_name (a), ==, td_user_get_name (b));
  g_assert_cmpstr (td_user_get_department (a), ==, td_user_get_department (b));
  g_assert_cmpstr (td_user_get_title (a), ==, td_user_get_title (b));
  g_assert_cmpint (td_user_get_presence (a), ==, td_user_get_presence (b));
}

/* Every getter of @a equals that of @b, and nothing is lost. */
static void
assert_frame_equal (const TdFrame *a, const TdFrame *b)
{
  GPtrArray *pa, *pb;

  g_assert_cmpint (td_frame_get_frame_type (a), ==, td_frame_get_frame_type (b));
  g_assert_cmpstr (td_frame_get_req (a), ==, td_frame_get_req (b));
  g_assert_cmpint (td_frame_get_protocol (a), ==, td_frame_get_protocol (b));
  g_assert_cmpstr (td_frame_get_user (a), ==, td_frame_get_user (b));
  g_assert_cmpstr (td_frame_get_password (a), ==, td_frame_get_password (b));
  g_assert_cmpstr (td_frame_get_token (a), ==, td_frame_get_token (b));
  g_assert_cmpstr (td_frame_get_device (a), ==, td_frame_get_device (b));
  g_assert_cmpstr (td_frame_get_client (a), ==, td_frame_get_client (b));
  g_assert_cmpstr (td_frame_get_id (a), ==, td_frame_get_id (b));
  g_assert_cmpstr (td_frame_get_to (a), ==, td_frame_get_to (b));
  g_assert_cmpstr (td_frame_get_text (a), ==, td_frame_get_text (b));
  g_assert_cmpint (td_frame_get_seq (a), ==, td_frame_get_seq (b));
  g_assert_cmpstr (td_frame_get_peer (a), ==, td_frame_get_peer (b));
  g_assert_cmpint (td_frame_get_before (a), ==, td_frame_get_before (b));
  g_assert_cmpuint (td_frame_get_limit (a), ==, td_frame_get_limit (b));
  g_assert_cmpint (td_frame_get_more (a), ==, td_frame_get_more (b));
  g_assert_cmpint (td_frame_get_status (a), ==, td_frame_get_status (b));
  g_assert_cmpint (td_frame_get_token_expires (a), ==, td_frame_get_token_expires (b));
  g_assert_cmpint (td_frame_get_last_seq (a), ==, td_frame_get_last_seq (b));
  g_assert_cmpint (td_frame_get_complete (a), ==, td_frame_get_complete (b));
  g_assert_cmpint (td_frame_get_duplicate (a), ==, td_frame_get_duplicate (b));
  g_assert_cmpint (td_frame_get_error_code (a), ==, td_frame_get_error_code (b));
  g_assert_cmpstr (td_frame_get_error_message (a), ==, td_frame_get_error_message (b));
  g_assert_cmpint (td_frame_is_history_result (a), ==, td_frame_is_history_result (b));

  g_assert_cmpint (!td_frame_get_self_user (a), ==, !td_frame_get_self_user (b));
  if (td_frame_get_self_user (a))
    assert_user_equal (td_frame_get_self_user (a), td_frame_get_self_user (b));
  g_assert_cmpint (!td_frame_get_message (a), ==, !td_frame_get_message (b));
  if (td_frame_get_message (a))
    assert_message_equal (td_frame_get_message (a), td_frame_get_message (b));

  pa = td_frame_get_departments (a);
  pb = td_frame_get_departments (b);
  g_assert_cmpint (!pa, ==, !pb);
  for (guint i = 0; pa && i < MAX (pa->len, pb->len); i++)
    {
      g_assert_cmpuint (pa->len, ==, pb->len);
      g_assert_cmpstr (g_ptr_array_index (pa, i), ==, g_ptr_array_index (pb, i));
    }
  pa = td_frame_get_users (a);
  pb = td_frame_get_users (b);
  g_assert_cmpint (!pa, ==, !pb);
  g_assert_cmpuint (pa ? pa->len : 0, ==, pb ? pb->len : 0);
  for (guint i = 0; pa && i < pa->len; i++)
    assert_user_equal (g_ptr_array_index (pa, i), g_ptr_array_index (pb, i));
  pa = td_frame_get_messages (a);
  pb = td_frame_get_messages (b);
  g_assert_cmpint (!pa, ==, !pb);
  g_assert_cmpuint (pa ? pa->len : 0, ==, pb ? pb->len : 0);
  for (guint i = 0; pa && i < pa->len; i++)
    assert_message_equal (g_ptr_array_index (pa, i), g_ptr_array_index (pb, i));
}

static const char * const golden_names[] = {
  "auth", "auth-token", "send", "ack", "history", "status", "logout", "ping",
  "welcome", "directory", "presence", "message", "sent", "synced",
  "history-result", "pong", "bye", "error",
};

static void
test_golden (gconstpointer data)
{
  const char *name = data;
  g_autofree char *file_name = g_strconcat (name, ".json", NULL);
  g_autofree char *path = g_build_filename (golden_dir (), file_name, NULL);
  g_autoptr(TdFrame) built = golden_frame (name);
  g_autoptr(TdFrame) decoded = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *encoded = NULL;
  g_autofree char *golden = NULL;
  g_autofree char *reencoded = NULL;
  gsize encoded_len = 0;
  gsize golden_len = 0;

  encoded = td_frame_encode (built, &encoded_len);
  g_assert_cmpuint (encoded_len, ==, strlen (encoded));

  if (g_getenv ("TD_TEST_UPDATE_GOLDEN") != NULL)
    {
      g_autofree char *with_newline = g_strconcat (encoded, "\n", NULL);

      g_file_set_contents (path, with_newline, -1, &error);
      g_assert_no_error (error);
    }

  g_file_get_contents (path, &golden, &golden_len, &error);
  g_assert_no_error (error);
  /* The file ends in one newline for editors' sake; the frame does not. */
  g_assert_true (golden_len > 0 && golden[golden_len - 1] == '\n');
  golden[--golden_len] = '\0';
  g_assert_cmpstr (encoded, ==, golden);

  decoded = td_frame_decode (golden, golden_len, TD_PROTO_MAX_SERVER_FRAME, NULL, &error);
  g_assert_no_error (error);
  assert_frame_equal (built, decoded);
  reencoded = td_frame_encode (decoded, NULL);
  g_assert_cmpstr (reencoded, ==, golden);
}

static void
test_golden_values (void)
{
  /* Spot checks that the golden frames carry what the constructors were
   * given (assert_frame_equal only compares two frames). */
  g_autoptr(TdFrame) auth = golden_frame ("auth");
  g_autoptr(TdFrame) token = golden_frame ("auth-token");
  g_autoptr(TdFrame) hist = golden_frame ("history");
  g_autoptr(TdFrame) result = golden_frame ("history-result");
  g_autoptr(TdFrame) dir = golden_frame ("directory");
  g_autoptr(TdFrame) err = golden_frame ("error");
  g_autoptr(TdFrame) sent = golden_frame ("sent");
  g_autoptr(TdFrame) welcome = golden_frame ("welcome");
  g_autoptr(TdFrame) status = golden_frame ("status");
  g_autoptr(TdFrame) zero = td_frame_new_history_request (NULL, "bob", 0, 0);
  g_autofree char *hist_json = td_frame_encode (hist, NULL);
  g_autofree char *zero_json = td_frame_encode (zero, NULL);
  g_autofree char *result_json = td_frame_encode (result, NULL);

  g_assert_cmpint (td_frame_get_protocol (auth), ==, TD_PROTO_VERSION);
  g_assert_cmpstr (td_frame_get_device (auth), ==, "laptop-1");
  g_assert_cmpstr (td_frame_get_client (auth), ==, "tidings-cli/0.1");
  g_assert_null (td_frame_get_token (auth));
  g_assert_null (td_frame_get_user (token));
  g_assert_null (td_frame_get_client (token));
  g_assert_cmpstr (hist_json, ==, "{\"type\":\"history\",\"req\":\"h1\",\"peer\":\"bob\",\"before\":1234,\"limit\":20}");
  g_assert_cmpstr (zero_json, ==, "{\"type\":\"history\",\"peer\":\"bob\",\"before\":0,\"limit\":50}");
  g_assert_true (td_frame_is_history_result (result));
  g_assert_cmpuint (td_frame_get_messages (result)->len, ==, 2);
  /* History results carry no seq: the member is left out. */
  g_assert_null (strstr (result_json, "\"seq\""));
  g_assert_cmpuint (td_frame_get_users (dir)->len, ==, 3);
  g_assert_cmpstr (td_user_get_title (g_ptr_array_index (td_frame_get_users (dir), 1)), ==, "");
  g_assert_true (td_frame_get_complete (dir));
  g_assert_cmpint (td_frame_get_error_code (err), ==, TD_ERR_UNKNOWN_RECIPIENT);
  g_assert_cmpstr (td_frame_get_id (err), ==, "c-01");
  g_assert_true (td_frame_get_duplicate (sent));
  g_assert_cmpint (td_message_get_seq (td_frame_get_message (sent)), ==, 9);
  g_assert_cmpint (td_frame_get_last_seq (welcome), ==, 42);
  g_assert_cmpint (td_frame_get_status (status), ==, TD_PRESENCE_AWAY);
}

static void
test_encode_escaping (void)
{
  g_autoptr(TdFrame) frame = td_frame_new_send (NULL, "c", "bob", "a\"b\\c\n\r\t\b\f\x01\x1f\x7f/é");
  g_autoptr(TdFrame) bad_utf8 = td_frame_new_error (NULL, TD_ERR_INTERNAL, "bad \xff byte", NULL);
  g_autofree char *json = td_frame_encode (frame, NULL);
  g_autofree char *bad_json = NULL;
  g_autoptr(TdFrame) decoded = NULL;
  g_autoptr(GError) error = NULL;
  gsize bad_len = 0;

  g_assert_cmpstr (json, ==,
                   "{\"type\":\"send\",\"id\":\"c\",\"to\":\"bob\","
                   "\"text\":\"a\\\"b\\\\c\\n\\r\\t\\b\\f\\u0001\\u001f\x7f/é\"}");
  /* Even a frame built from bad UTF-8 encodes as valid JSON. */
  bad_json = td_frame_encode (bad_utf8, &bad_len);
  g_assert_true (g_utf8_validate (bad_json, bad_len, NULL));
  decoded = td_frame_decode (bad_json, bad_len, TD_PROTO_MAX_SERVER_FRAME, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (td_frame_get_error_message (decoded), "bad "));
}

static void
test_error_truncated (void)
{
  g_autoptr(GString) long_message = g_string_new (NULL);
  g_autoptr(TdFrame) frame = NULL;
  g_autoptr(TdFrame) decoded = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *json = NULL;
  gsize len = 0;

  /* 3-byte characters: 1024 is not a character boundary. */
  for (int i = 0; i < 700; i++)
    g_string_append (long_message, "错");
  frame = td_frame_new_error ("r", TD_ERR_INTERNAL, long_message->str, NULL);
  g_assert_cmpuint (strlen (td_frame_get_error_message (frame)), ==, 1023);
  g_assert_true (g_utf8_validate (td_frame_get_error_message (frame), -1, NULL));
  json = td_frame_encode (frame, &len);
  decoded = td_frame_decode (json, len, TD_PROTO_MAX_SERVER_FRAME, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (td_frame_get_error_message (decoded), ==, td_frame_get_error_message (frame));
}

/* ---- Validators and tables ---- */

static void
test_validate_login (void)
{
  const char *good[] = { "a", "alice", "wang.fang", "a_b-c.d", "0day", "x1234567890123456789012345678901234567890123456789012345678901" "23" };
  const char *bad[] = { "", "Alice", "-bob", ".bob", "_bob", "bob smith", "bob@example", "zoë", "a/b", "a:b",
                        "x12345678901234567890123456789012345678901234567890123456789012345" };

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autoptr(GError) error = NULL;

      if (!td_proto_validate_login (good[i], &error))
        g_error ("\"%s\" rejected: %s", good[i], error->message);
    }
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;

      if (td_proto_validate_login (bad[i], &error))
        g_error ("\"%s\" accepted", bad[i]);
      g_assert_error (error, TD_PROTO_ERROR, TD_PROTO_ERROR_BAD_FIELD);
      g_assert_true (g_str_has_prefix (error->message, "login "));
    }
  g_assert_cmpuint (strlen (good[5]), ==, TD_PROTO_MAX_LOGIN);
}

static void
test_validate_client_id (void)
{
  g_autofree char *id64 = g_strnfill (64, 'Z');
  g_autofree char *id65 = g_strnfill (65, 'Z');
  const char *good[] = { "c", "c-01", "A.b_c:d-9", "550e8400-e29b-41d4-a716-446655440000", id64 };
  const char *bad[] = { "", "a b", "a/b", "é", "a+b", "a\"b", "a\nb", id65 };

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    g_assert_true (td_proto_validate_client_id (good[i], NULL));
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_false (td_proto_validate_client_id (bad[i], &error));
      g_assert_error (error, TD_PROTO_ERROR, TD_PROTO_ERROR_BAD_FIELD);
    }
}

static void
test_validate_text (void)
{
  g_autofree char *max = g_strnfill (TD_PROTO_MAX_TEXT, 'x');
  g_autofree char *over = g_strnfill (TD_PROTO_MAX_TEXT + 1, 'x');
  const char *good[] = { "hi", " x ", "\n\nx", "你好", "👋", "\u200b" /* zero-width space is not white space */, max };
  const char *bad[] = { "", " ", "\n\t\r ", "\u3000", "\u00a0\u2003", "\xff", "a\xc3" };
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autoptr(GError) e = NULL;

      if (!td_proto_validate_text (good[i], &e))
        g_error ("text %u rejected: %s", i, e->message);
    }
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) e = NULL;

      if (td_proto_validate_text (bad[i], &e))
        g_error ("text %u accepted", i);
      g_assert_error (e, TD_PROTO_ERROR, TD_PROTO_ERROR_BAD_FIELD);
    }
  g_assert_false (td_proto_validate_text (over, &error));
  g_assert_error (error, TD_PROTO_ERROR, TD_PROTO_ERROR_TEXT_TOO_LONG);
  g_assert_cmpstr (error->message, ==, "text is 16385 bytes, the limit is 16384");
}

static void
test_error_codes (void)
{
  static const struct {
    TdProtoError proto;
    TdErrorCode wire;
  } map[] = {
    { TD_PROTO_ERROR_INVALID_JSON, TD_ERR_BAD_FRAME },
    { TD_PROTO_ERROR_NOT_OBJECT, TD_ERR_BAD_FRAME },
    { TD_PROTO_ERROR_TOO_LARGE, TD_ERR_TOO_LARGE },
    { TD_PROTO_ERROR_TOO_DEEP, TD_ERR_TOO_DEEP },
    { TD_PROTO_ERROR_UNKNOWN_TYPE, TD_ERR_UNKNOWN_TYPE },
    { TD_PROTO_ERROR_MISSING_FIELD, TD_ERR_BAD_REQUEST },
    { TD_PROTO_ERROR_BAD_FIELD, TD_ERR_BAD_REQUEST },
    { TD_PROTO_ERROR_TEXT_TOO_LONG, TD_ERR_TEXT_TOO_LONG },
    { TD_PROTO_ERROR_UNSUPPORTED_VERSION, TD_ERR_UNSUPPORTED_VERSION },
  };
  static const char * const names[TD_ERR_N_CODES] = {
    "bad_frame", "too_large", "too_deep", "unknown_type", "bad_request", "text_too_long",
    "unsupported_version", "not_authenticated", "already_authenticated", "auth_failed",
    "token_invalid", "unknown_recipient", "forbidden", "id_conflict", "rate_limited",
    "unavailable", "internal",
  };
  g_autoptr(GError) foreign = g_error_new_literal (G_FILE_ERROR, G_FILE_ERROR_FAILED, "x");
  g_autoptr(GError) odd = g_error_new_literal (TD_PROTO_ERROR, 999, "x");
  TdErrorCode code;

  for (guint i = 0; i < TD_ERR_N_CODES; i++)
    {
      g_assert_cmpstr (td_error_code_to_string (i), ==, names[i]);
      code = TD_ERR_N_CODES;
      g_assert_true (td_error_code_from_string (names[i], &code));
      g_assert_cmpint (code, ==, i);
    }
  g_assert_false (td_error_code_from_string ("Bad_Frame", &code));
  g_assert_false (td_error_code_from_string ("", &code));
  g_assert_false (td_error_code_from_string ("internal ", NULL));
  g_assert_cmpstr (td_error_code_to_string (TD_ERR_N_CODES), ==, "internal");

  for (guint i = 0; i < G_N_ELEMENTS (map); i++)
    {
      g_autoptr(GError) error = g_error_new_literal (TD_PROTO_ERROR, map[i].proto, "x");

      g_assert_cmpint (td_error_code_from_gerror (error), ==, map[i].wire);
    }
  g_assert_cmpint (td_error_code_from_gerror (foreign), ==, TD_ERR_INTERNAL);
  g_assert_cmpint (td_error_code_from_gerror (odd), ==, TD_ERR_INTERNAL);
}

static void
test_presence_strings (void)
{
  static const char * const names[] = { "offline", "online", "away", "busy" };
  TdPresence presence;

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_assert_cmpstr (td_presence_to_string (i), ==, names[i]);
      g_assert_true (td_presence_from_string (names[i], &presence));
      g_assert_cmpint (presence, ==, i);
    }
  g_assert_false (td_presence_from_string ("Online", &presence));
  g_assert_false (td_presence_from_string ("invisible", NULL));
  g_assert_cmpstr (td_presence_to_string (17), ==, "offline");
}

static void
test_frame_type_strings (void)
{
  static const char * const names[] = {
    "invalid", "auth", "send", "ack", "history", "status", "logout", "ping", "welcome",
    "directory", "presence", "message", "sent", "synced", "pong", "bye", "error",
  };

  G_STATIC_ASSERT (G_N_ELEMENTS (names) == TD_FRAME_N_TYPES);
  for (guint i = 0; i < TD_FRAME_N_TYPES; i++)
    g_assert_cmpstr (td_frame_type_to_string (i), ==, names[i]);
}

static void
test_value_types (void)
{
  g_autoptr(TdUser) user = td_user_new ("bob", "Bob Jones", "Engineering", NULL, TD_PRESENCE_OFFLINE);
  g_autoptr(TdUser) away = td_user_with_presence (user, TD_PRESENCE_AWAY);
  g_autoptr(TdMessage) message = td_message_new (5, 0, "c", "alice", "bob", "hi \"you\"", 1000);
  g_autoptr(TdMessage) with_seq = td_message_with_seq (message, 7);
  g_autofree char *json = td_message_to_json (message);
  g_autofree char *json_seq = td_message_to_json (with_seq);
  TdMessage *copy;
  TdUser *user_copy;

  g_assert_cmpstr (td_user_get_title (user), ==, "");
  g_assert_cmpint (td_user_get_presence (user), ==, TD_PRESENCE_OFFLINE);
  g_assert_cmpint (td_user_get_presence (away), ==, TD_PRESENCE_AWAY);
  g_assert_cmpstr (td_user_get_name (away), ==, "Bob Jones");
  g_assert_cmpstr (td_user_get_department (away), ==, "Engineering");
  g_assert_cmpint (td_message_get_seq (message), ==, 0);
  g_assert_cmpint (td_message_get_seq (with_seq), ==, 7);
  g_assert_cmpstr (td_message_get_text (with_seq), ==, "hi \"you\"");
  g_assert_cmpstr (json, ==, "{\"mid\":5,\"id\":\"c\",\"from\":\"alice\",\"to\":\"bob\",\"text\":\"hi \\\"you\\\"\",\"time\":1000}");
  g_assert_cmpstr (json_seq, ==, "{\"mid\":5,\"seq\":7,\"id\":\"c\",\"from\":\"alice\",\"to\":\"bob\",\"text\":\"hi \\\"you\\\"\",\"time\":1000}");

  /* Boxed copies are references to the same immutable value. */
  copy = g_boxed_copy (TD_TYPE_MESSAGE, message);
  g_assert_true (copy == message);
  g_boxed_free (TD_TYPE_MESSAGE, copy);
  user_copy = g_boxed_copy (TD_TYPE_USER, user);
  g_assert_true (user_copy == user);
  g_boxed_free (TD_TYPE_USER, user_copy);
  g_assert_true (G_TYPE_IS_BOXED (TD_TYPE_FRAME));
}

static void
test_frame_refcount (void)
{
  g_autoptr(GPtrArray) users = g_ptr_array_new_with_free_func ((GDestroyNotify) td_user_unref);
  g_autoptr(TdFrame) frame = NULL;
  TdFrame *extra;

  g_ptr_array_add (users, td_user_new ("a", "A", "D", "T", TD_PRESENCE_ONLINE));
  frame = td_frame_new_directory (NULL, users, FALSE);
  /* The caller's reference goes; the frame's stays. */
  g_clear_pointer (&users, g_ptr_array_unref);
  g_assert_cmpuint (td_frame_get_users (frame)->len, ==, 1);
  g_assert_cmpuint (td_frame_get_departments (frame)->len, ==, 0);
  extra = td_frame_ref (frame);
  td_frame_unref (extra);
  g_assert_cmpstr (td_user_get_login (g_ptr_array_index (td_frame_get_users (frame), 0)), ==, "a");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (decode_cases); i++)
    {
      g_autofree char *path = g_strconcat ("/proto/decode/", decode_cases[i].name, NULL);

      g_test_add_data_func (path, &decode_cases[i], test_decode_case);
    }
  g_test_add_func ("/proto/decode-values", test_decode_values);
  g_test_add_func ("/proto/decode-messages", test_decode_messages);
  g_test_add_func ("/proto/text-limits", test_decode_text_limits);
  g_test_add_func ("/proto/string-limits", test_decode_string_limits);
  g_test_add_func ("/proto/history-max", test_decode_history_max);
  g_test_add_func ("/proto/size-limit", test_size_limit);
  g_test_add_func ("/proto/not-nul-terminated", test_not_nul_terminated);
  g_test_add_func ("/proto/very-deep", test_very_deep);
  g_test_add_func ("/proto/check-depth", test_check_depth);
  for (guint i = 0; i < G_N_ELEMENTS (golden_names); i++)
    {
      g_autofree char *path = g_strconcat ("/proto/golden/", golden_names[i], NULL);

      g_test_add_data_func (path, golden_names[i], test_golden);
    }
  g_test_add_func ("/proto/golden-values", test_golden_values);
  g_test_add_func ("/proto/encode-escaping", test_encode_escaping);
  g_test_add_func ("/proto/error-truncated", test_error_truncated);
  g_test_add_func ("/proto/validate-login", test_validate_login);
  g_test_add_func ("/proto/validate-client-id", test_validate_client_id);
  g_test_add_func ("/proto/validate-text", test_validate_text);
  g_test_add_func ("/proto/error-codes", test_error_codes);
  g_test_add_func ("/proto/presence-strings", test_presence_strings);
  g_test_add_func ("/proto/frame-type-strings", test_frame_type_strings);
  g_test_add_func ("/proto/value-types", test_value_types);
  g_test_add_func ("/proto/frame-refcount", test_frame_refcount);

  return g_test_run ();
}
