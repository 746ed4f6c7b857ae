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
#define GROUP_OBJ "{\"id\":\"g:12\",\"kind\":\"group\",\"name\":\"Release crew\",\"owner\":\"alice\",\"members\":[\"alice\",\"bob\",\"carol\"]}"
#define REM_HEAD "{\"rid\":7,\"kind\":\"reminder\",\"source\":\"workflow\",\"title\":\"Approval waiting\","
#define REM_OBJ REM_HEAD "\"body\":\"Travel request\",\"link\":\"https://flow.example.com/r/4411\",\"category\":\"approval\",\"priority\":\"urgent\",\"time\":1764147000123,\"state\":\"open\",\"read\":false}"
/* A reminder with @m inserted among otherwise valid members. */
#define REM_WITH(m) REM_HEAD m "\"priority\":\"normal\",\"time\":1,\"state\":\"open\",\"read\":false}"
#define REMINDER_WITH(m) "{\"type\":\"reminder\",\"reminder\":" REM_WITH (m) "}"
#define REM_FIELDS "\"body\":\"\",\"link\":\"\",\"category\":\"\","
#define STATUS_HEAD "{\"type\":\"reminder_status\",\"rid\":7,"
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
  /* directory version and "unchanged" (docs/protocol.md 5.2) */
  PASS ("directory/version", "{\"type\":\"directory\",\"version\":\"0123456789abcdef\",\"departments\":[],\"users\":[" USER_OBJ "],\"complete\":true}", TD_FRAME_DIRECTORY),
  PASS ("directory/unchanged", "{\"type\":\"directory\",\"version\":\"v1\",\"unchanged\":true,\"departments\":[\"Sales\"],\"users\":[],\"complete\":true}", TD_FRAME_DIRECTORY),
  PASS ("directory/unchanged-false", "{\"type\":\"directory\",\"unchanged\":false,\"departments\":[],\"users\":[" USER_OBJ "],\"complete\":true}", TD_FRAME_DIRECTORY),
  PASS ("directory/version-null", "{\"type\":\"directory\",\"version\":null,\"departments\":[],\"users\":[],\"complete\":true}", TD_FRAME_DIRECTORY),
  FAIL_MSG ("directory/unchanged-with-users", "{\"type\":\"directory\",\"version\":\"v1\",\"unchanged\":true,\"departments\":[],\"users\":[" USER_OBJ "],\"complete\":true}", BAD_FIELD, "unchanged"),
  FAIL ("directory/unchanged-incomplete", "{\"type\":\"directory\",\"version\":\"v1\",\"unchanged\":true,\"departments\":[],\"users\":[],\"complete\":false}", BAD_FIELD),
  FAIL_MSG ("directory/unchanged-no-version", "{\"type\":\"directory\",\"unchanged\":true,\"departments\":[],\"users\":[],\"complete\":true}", MISSING_FIELD, "member \"version\""),
  FAIL ("directory/unchanged-string", "{\"type\":\"directory\",\"version\":\"v1\",\"unchanged\":\"true\",\"departments\":[],\"users\":[],\"complete\":true}", BAD_FIELD),
  FAIL ("directory/version-empty", "{\"type\":\"directory\",\"version\":\"\",\"departments\":[],\"users\":[],\"complete\":true}", BAD_FIELD),
  FAIL ("directory/version-number", "{\"type\":\"directory\",\"version\":7,\"departments\":[],\"users\":[],\"complete\":true}", BAD_FIELD),
  FAIL_MSG ("directory/version-not-ascii", "{\"type\":\"directory\",\"version\":\"v\u00e9\",\"departments\":[],\"users\":[],\"complete\":true}", BAD_FIELD, "printable ASCII"),
  FAIL ("directory/version-control", "{\"type\":\"directory\",\"version\":\"v\\n1\",\"departments\":[],\"users\":[],\"complete\":true}", BAD_FIELD),
  FAIL ("directory/version-65", "{\"type\":\"directory\",\"version\":\"01234567890123456789012345678901234567890123456789012345678901234\",\"departments\":[],\"users\":[],\"complete\":true}", BAD_FIELD),
  PASS ("directory/version-64", "{\"type\":\"directory\",\"version\":\"0123456789012345678901234567890123456789012345678901234567890123\",\"departments\":[],\"users\":[],\"complete\":true}", TD_FRAME_DIRECTORY),
  PASS ("auth/directory-version", AUTH_HEAD "\"token\":\"abc\",\"directory_version\":\"0123456789abcdef\"}", TD_FRAME_AUTH),
  PASS ("auth/directory-version-password", AUTH_HEAD "\"user\":\"alice\",\"password\":\"x\",\"directory_version\":\"v 1\"}", TD_FRAME_AUTH),
  FAIL_MSG ("auth/directory-version-empty", AUTH_HEAD "\"token\":\"abc\",\"directory_version\":\"\"}", BAD_FIELD, "directory_version"),
  FAIL ("auth/directory-version-number", AUTH_HEAD "\"token\":\"abc\",\"directory_version\":1}", BAD_FIELD),
  FAIL ("auth/directory-version-unicode", AUTH_HEAD "\"token\":\"abc\",\"directory_version\":\"\u4f60\"}", BAD_FIELD),
  FAIL ("auth/directory-version-65", AUTH_HEAD "\"token\":\"abc\",\"directory_version\":\"01234567890123456789012345678901234567890123456789012345678901234\"}", BAD_FIELD),

  /* presence */
  PASS ("presence/offline", "{\"type\":\"presence\",\"user\":\"bob\",\"status\":\"offline\"}", TD_FRAME_PRESENCE),
  PASS ("presence/away", "{\"type\":\"presence\",\"user\":\"bob\",\"status\":\"away\"}", TD_FRAME_PRESENCE),
  FAIL ("presence/user-bad", "{\"type\":\"presence\",\"user\":\"Bob!\",\"status\":\"away\"}", BAD_FIELD),
  FAIL ("presence/status-missing", "{\"type\":\"presence\",\"user\":\"bob\"}", MISSING_FIELD),
  FAIL ("presence/empty", "{\"type\":\"presence\"}", MISSING_FIELD),
  /* list form (docs/protocol.md 5.3) */
  PASS ("presence/snapshot", "{\"type\":\"presence\",\"snapshot\":true,\"online\":[\"bob\"],\"away\":[\"carol\"],\"busy\":[\"dave\"]}", TD_FRAME_PRESENCE),
  PASS ("presence/snapshot-empty", "{\"type\":\"presence\",\"snapshot\":true}", TD_FRAME_PRESENCE),
  PASS ("presence/delta", "{\"type\":\"presence\",\"online\":[\"erin\"],\"offline\":[\"bob\"]}", TD_FRAME_PRESENCE),
  PASS ("presence/delta-snapshot-false", "{\"type\":\"presence\",\"snapshot\":false,\"offline\":[\"bob\",\"carol\"]}", TD_FRAME_PRESENCE),
  PASS ("presence/delta-empty-arrays", "{\"type\":\"presence\",\"online\":[],\"away\":[]}", TD_FRAME_PRESENCE),
  FAIL_MSG ("presence/duplicate-across", "{\"type\":\"presence\",\"online\":[\"erin\"],\"offline\":[\"bob\",\"erin\"]}", BAD_FIELD, "member \"offline[1]\""),
  FAIL ("presence/duplicate-within", "{\"type\":\"presence\",\"away\":[\"erin\",\"erin\"]}", BAD_FIELD),
  FAIL_MSG ("presence/snapshot-offline", "{\"type\":\"presence\",\"snapshot\":true,\"online\":[\"bob\"],\"offline\":[\"carol\"]}", BAD_FIELD, "offline"),
  FAIL ("presence/snapshot-empty-offline", "{\"type\":\"presence\",\"snapshot\":true,\"offline\":[]}", BAD_FIELD),
  FAIL ("presence/list-login-bad", "{\"type\":\"presence\",\"online\":[\"Bob!\"]}", BAD_FIELD),
  FAIL ("presence/list-login-number", "{\"type\":\"presence\",\"online\":[1]}", BAD_FIELD),
  FAIL ("presence/list-not-array", "{\"type\":\"presence\",\"online\":\"bob\"}", BAD_FIELD),
  FAIL ("presence/snapshot-string", "{\"type\":\"presence\",\"snapshot\":\"yes\",\"online\":[\"bob\"]}", BAD_FIELD),
  FAIL ("presence/both-forms", "{\"type\":\"presence\",\"user\":\"bob\",\"status\":\"away\",\"online\":[\"carol\"]}", BAD_FIELD),

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

  /* user role (3.1) */
  PASS ("role/directory-roles", "{\"type\":\"directory\",\"departments\":[],\"users\":[{\"login\":\"a\",\"name\":\"A\",\"department\":\"E\",\"title\":\"\",\"status\":\"online\",\"role\":\"admin\"},{\"login\":\"b\",\"name\":\"B\",\"department\":\"E\",\"title\":\"\",\"status\":\"online\",\"role\":\"bot\"},{\"login\":\"c\",\"name\":\"C\",\"department\":\"E\",\"title\":\"\",\"status\":\"online\",\"role\":\"wizard\"},{\"login\":\"d\",\"name\":\"D\",\"department\":\"E\",\"title\":\"\",\"status\":\"online\",\"role\":null}],\"complete\":true}", TD_FRAME_DIRECTORY),
  FAIL_MSG ("role/number", "{\"type\":\"directory\",\"departments\":[],\"users\":[{\"login\":\"a\",\"name\":\"A\",\"department\":\"E\",\"title\":\"\",\"status\":\"online\",\"role\":1}],\"complete\":true}", BAD_FIELD, "member \"users[0].role\""),

  /* peers: send, history and message "to" take a group address (12.1) */
  PASS ("peer/send-group", "{\"type\":\"send\",\"id\":\"c\",\"to\":\"g:12\",\"text\":\"hi\"}", TD_FRAME_SEND),
  PASS ("peer/send-group-max", "{\"type\":\"send\",\"id\":\"c\",\"to\":\"g:9007199254740992\",\"text\":\"hi\"}", TD_FRAME_SEND),
  PASS ("peer/history-group", "{\"type\":\"history\",\"peer\":\"g:1\"}", TD_FRAME_HISTORY),
  PASS ("peer/message-to-group", "{\"type\":\"message\",\"message\":{\"mid\":1,\"id\":\"c\",\"from\":\"a\",\"to\":\"g:3\",\"text\":\"x\",\"time\":0}}", TD_FRAME_MESSAGE),
  FAIL_MSG ("peer/g-0", "{\"type\":\"send\",\"id\":\"c\",\"to\":\"g:0\",\"text\":\"hi\"}", BAD_FIELD, "member \"to\" is not a valid group address"),
  FAIL ("peer/g-01", "{\"type\":\"send\",\"id\":\"c\",\"to\":\"g:01\",\"text\":\"hi\"}", BAD_FIELD),
  FAIL ("peer/g-x", "{\"type\":\"send\",\"id\":\"c\",\"to\":\"g:x\",\"text\":\"hi\"}", BAD_FIELD),
  FAIL ("peer/g-empty", "{\"type\":\"send\",\"id\":\"c\",\"to\":\"g:\",\"text\":\"hi\"}", BAD_FIELD),
  FAIL ("peer/g-negative", "{\"type\":\"send\",\"id\":\"c\",\"to\":\"g:-1\",\"text\":\"hi\"}", BAD_FIELD),
  FAIL ("peer/g-above-2^53", "{\"type\":\"send\",\"id\":\"c\",\"to\":\"g:9007199254740993\",\"text\":\"hi\"}", BAD_FIELD),
  FAIL ("peer/g-huge", "{\"type\":\"send\",\"id\":\"c\",\"to\":\"g:99999999999999999999999\",\"text\":\"hi\"}", BAD_FIELD),
  FAIL ("peer/g-upper", "{\"type\":\"send\",\"id\":\"c\",\"to\":\"G:12\",\"text\":\"hi\"}", BAD_FIELD),
  FAIL ("peer/g-space", "{\"type\":\"send\",\"id\":\"c\",\"to\":\"g:12 \",\"text\":\"hi\"}", BAD_FIELD),
  FAIL ("peer/history-g-0", "{\"type\":\"history\",\"peer\":\"g:0\"}", BAD_FIELD),
  FAIL_MSG ("peer/message-to-bad-group", "{\"type\":\"message\",\"message\":{\"mid\":1,\"id\":\"c\",\"from\":\"a\",\"to\":\"g:01\",\"text\":\"x\",\"time\":0}}", BAD_FIELD, "member \"message.to\""),
  FAIL ("peer/message-from-group", "{\"type\":\"message\",\"message\":{\"mid\":1,\"id\":\"c\",\"from\":\"g:1\",\"to\":\"b\",\"text\":\"x\",\"time\":0}}", BAD_FIELD),

  /* history reply reads (12.4) */
  PASS ("history-result/reads", "{\"type\":\"history\",\"peer\":\"g:4\",\"messages\":[],\"more\":false,\"reads\":[{\"user\":\"bob\",\"mid\":41},{\"user\":\"carol\",\"mid\":3}]}", TD_FRAME_HISTORY),
  PASS ("history-result/reads-null", "{\"type\":\"history\",\"peer\":\"bob\",\"messages\":[],\"more\":false,\"reads\":null}", TD_FRAME_HISTORY),
  FAIL ("history-result/reads-object", "{\"type\":\"history\",\"peer\":\"bob\",\"messages\":[],\"more\":false,\"reads\":{}}", BAD_FIELD),
  FAIL_MSG ("history-result/reads-bad-user", "{\"type\":\"history\",\"peer\":\"bob\",\"messages\":[],\"more\":false,\"reads\":[{\"user\":\"Bob\",\"mid\":1}]}", BAD_FIELD, "member \"reads[0].user\""),
  FAIL_MSG ("history-result/reads-mid-missing", "{\"type\":\"history\",\"peer\":\"bob\",\"messages\":[],\"more\":false,\"reads\":[{\"user\":\"bob\"}]}", MISSING_FIELD, "member \"reads[0].mid\""),
  FAIL ("history-result/reads-mid-0", "{\"type\":\"history\",\"peer\":\"bob\",\"messages\":[],\"more\":false,\"reads\":[{\"user\":\"bob\",\"mid\":0}]}", BAD_FIELD),
  FAIL_MSG ("history-result/reads-not-object", "{\"type\":\"history\",\"peer\":\"bob\",\"messages\":[],\"more\":false,\"reads\":[\"bob\"]}", BAD_FIELD, "member \"reads[0]\" must be an object"),

  /* read */
  PASS ("read/login", "{\"type\":\"read\",\"peer\":\"bob\",\"mid\":41}", TD_FRAME_READ),
  PASS ("read/group", "{\"type\":\"read\",\"peer\":\"g:12\",\"mid\":1}", TD_FRAME_READ),
  FAIL_MSG ("read/peer-missing", "{\"type\":\"read\",\"mid\":1}", MISSING_FIELD, "member \"peer\" is missing"),
  FAIL_MSG ("read/mid-missing", "{\"type\":\"read\",\"peer\":\"bob\"}", MISSING_FIELD, "member \"mid\" is missing"),
  FAIL ("read/mid-0", "{\"type\":\"read\",\"peer\":\"bob\",\"mid\":0}", BAD_FIELD),
  FAIL ("read/mid-string", "{\"type\":\"read\",\"peer\":\"bob\",\"mid\":\"5\"}", BAD_FIELD),
  FAIL ("read/mid-double", "{\"type\":\"read\",\"peer\":\"bob\",\"mid\":5.0}", BAD_FIELD),
  FAIL ("read/peer-bad-login", "{\"type\":\"read\",\"peer\":\"Bob\",\"mid\":5}", BAD_FIELD),
  FAIL ("read/peer-g-01", "{\"type\":\"read\",\"peer\":\"g:01\",\"mid\":5}", BAD_FIELD),
  FAIL ("read/peer-number", "{\"type\":\"read\",\"peer\":12,\"mid\":5}", BAD_FIELD),

  /* receipt */
  PASS ("receipt/valid", "{\"type\":\"receipt\",\"user\":\"bob\",\"peer\":\"alice\",\"mid\":41}", TD_FRAME_RECEIPT),
  PASS ("receipt/group", "{\"type\":\"receipt\",\"user\":\"bob\",\"peer\":\"g:12\",\"mid\":41}", TD_FRAME_RECEIPT),
  FAIL ("receipt/user-missing", "{\"type\":\"receipt\",\"peer\":\"alice\",\"mid\":41}", MISSING_FIELD),
  FAIL ("receipt/user-group", "{\"type\":\"receipt\",\"user\":\"g:1\",\"peer\":\"alice\",\"mid\":41}", BAD_FIELD),
  FAIL ("receipt/peer-missing", "{\"type\":\"receipt\",\"user\":\"bob\",\"mid\":41}", MISSING_FIELD),
  FAIL ("receipt/peer-g-x", "{\"type\":\"receipt\",\"user\":\"bob\",\"peer\":\"g:x\",\"mid\":41}", BAD_FIELD),
  FAIL ("receipt/mid-missing", "{\"type\":\"receipt\",\"user\":\"bob\",\"peer\":\"alice\"}", MISSING_FIELD),
  FAIL ("receipt/mid-negative", "{\"type\":\"receipt\",\"user\":\"bob\",\"peer\":\"alice\",\"mid\":-1}", BAD_FIELD),

  /* typing */
  PASS ("typing/client", "{\"type\":\"typing\",\"to\":\"bob\"}", TD_FRAME_TYPING),
  PASS ("typing/client-group", "{\"type\":\"typing\",\"to\":\"g:7\"}", TD_FRAME_TYPING),
  PASS ("typing/server", "{\"type\":\"typing\",\"user\":\"alice\",\"to\":\"g:7\"}", TD_FRAME_TYPING),
  FAIL ("typing/to-missing", "{\"type\":\"typing\",\"user\":\"alice\"}", MISSING_FIELD),
  FAIL ("typing/to-g-0", "{\"type\":\"typing\",\"to\":\"g:0\"}", BAD_FIELD),
  FAIL ("typing/to-array", "{\"type\":\"typing\",\"to\":[\"bob\"]}", BAD_FIELD),
  FAIL_MSG ("typing/user-bad", "{\"type\":\"typing\",\"user\":\"Alice\",\"to\":\"bob\"}", BAD_FIELD, "member \"user\""),
  FAIL ("typing/user-number", "{\"type\":\"typing\",\"user\":1,\"to\":\"bob\"}", BAD_FIELD),

  /* group_create */
  PASS ("group-create/valid", "{\"type\":\"group_create\",\"req\":\"g1\",\"name\":\"Release crew\",\"members\":[\"bob\",\"carol\"]}", TD_FRAME_GROUP_CREATE),
  PASS ("group-create/no-members", "{\"type\":\"group_create\",\"name\":\"Just me\",\"members\":[]}", TD_FRAME_GROUP_CREATE),
  FAIL ("group-create/name-missing", "{\"type\":\"group_create\",\"members\":[]}", MISSING_FIELD),
  FAIL_MSG ("group-create/name-empty", "{\"type\":\"group_create\",\"name\":\"\",\"members\":[]}", BAD_FIELD, "member \"name\" must not be empty"),
  FAIL ("group-create/name-number", "{\"type\":\"group_create\",\"name\":5,\"members\":[]}", BAD_FIELD),
  FAIL ("group-create/members-missing", "{\"type\":\"group_create\",\"name\":\"x\"}", MISSING_FIELD),
  FAIL ("group-create/members-string", "{\"type\":\"group_create\",\"name\":\"x\",\"members\":\"bob\"}", BAD_FIELD),
  FAIL_MSG ("group-create/member-bad", "{\"type\":\"group_create\",\"name\":\"x\",\"members\":[\"bob\",\"Carol\"]}", BAD_FIELD, "member \"members[1]\""),
  FAIL_MSG ("group-create/member-number", "{\"type\":\"group_create\",\"name\":\"x\",\"members\":[\"bob\",7]}", BAD_FIELD, "member \"members[1]\" must be a string"),
  FAIL ("group-create/member-group", "{\"type\":\"group_create\",\"name\":\"x\",\"members\":[\"g:1\"]}", BAD_FIELD),
  FAIL ("group-create/member-null", "{\"type\":\"group_create\",\"name\":\"x\",\"members\":[null]}", BAD_FIELD),
  FAIL_REQ ("group-create/req-on-failure", "{\"type\":\"group_create\",\"req\":\"g9\",\"name\":\"x\",\"members\":[\"-x\"]}", BAD_FIELD, "g9"),

  /* group_update */
  PASS ("group-update/all", "{\"type\":\"group_update\",\"req\":\"u1\",\"group\":\"g:12\",\"name\":\"New name\",\"add\":[\"dave\"],\"remove\":[\"bob\",\"carol\"]}", TD_FRAME_GROUP_UPDATE),
  PASS ("group-update/rename-only", "{\"type\":\"group_update\",\"group\":\"g:12\",\"name\":\"N\"}", TD_FRAME_GROUP_UPDATE),
  PASS ("group-update/nothing", "{\"type\":\"group_update\",\"group\":\"g:12\",\"add\":null,\"remove\":[]}", TD_FRAME_GROUP_UPDATE),
  FAIL ("group-update/group-missing", "{\"type\":\"group_update\",\"name\":\"N\"}", MISSING_FIELD),
  FAIL_MSG ("group-update/group-login", "{\"type\":\"group_update\",\"group\":\"bob\",\"name\":\"N\"}", BAD_FIELD, "member \"group\" is not a valid group address"),
  FAIL ("group-update/group-g-0", "{\"type\":\"group_update\",\"group\":\"g:0\"}", BAD_FIELD),
  FAIL ("group-update/group-g-01", "{\"type\":\"group_update\",\"group\":\"g:01\"}", BAD_FIELD),
  FAIL ("group-update/group-g-x", "{\"type\":\"group_update\",\"group\":\"g:x\"}", BAD_FIELD),
  FAIL ("group-update/group-g-big", "{\"type\":\"group_update\",\"group\":\"g:9007199254740993\"}", BAD_FIELD),
  FAIL ("group-update/group-number", "{\"type\":\"group_update\",\"group\":12}", BAD_FIELD),
  FAIL ("group-update/name-empty", "{\"type\":\"group_update\",\"group\":\"g:12\",\"name\":\"\"}", BAD_FIELD),
  FAIL ("group-update/add-string", "{\"type\":\"group_update\",\"group\":\"g:12\",\"add\":\"bob\"}", BAD_FIELD),
  FAIL_MSG ("group-update/add-bad", "{\"type\":\"group_update\",\"group\":\"g:12\",\"add\":[\"bob smith\"]}", BAD_FIELD, "member \"add[0]\""),
  FAIL_MSG ("group-update/remove-bad", "{\"type\":\"group_update\",\"group\":\"g:12\",\"remove\":[\"ok\",\"\"]}", BAD_FIELD, "member \"remove[1]\""),

  /* group_leave */
  PASS ("group-leave/valid", "{\"type\":\"group_leave\",\"req\":\"l1\",\"group\":\"g:12\"}", TD_FRAME_GROUP_LEAVE),
  FAIL ("group-leave/group-missing", "{\"type\":\"group_leave\"}", MISSING_FIELD),
  FAIL ("group-leave/group-login", "{\"type\":\"group_leave\",\"group\":\"alice\"}", BAD_FIELD),
  FAIL ("group-leave/group-g-0", "{\"type\":\"group_leave\",\"group\":\"g:0\"}", BAD_FIELD),

  /* groups, group */
  PASS ("groups/valid", "{\"type\":\"groups\",\"groups\":[" GROUP_OBJ ",{\"id\":\"g:1\",\"kind\":\"department\",\"name\":\"Sales\",\"owner\":\"\",\"members\":[]}]}", TD_FRAME_GROUPS),
  PASS ("groups/empty", "{\"type\":\"groups\",\"groups\":[]}", TD_FRAME_GROUPS),
  FAIL ("groups/missing", "{\"type\":\"groups\"}", MISSING_FIELD),
  FAIL ("groups/object", "{\"type\":\"groups\",\"groups\":{}}", BAD_FIELD),
  FAIL_MSG ("groups/entry-string", "{\"type\":\"groups\",\"groups\":[\"g:1\"]}", BAD_FIELD, "member \"groups[0]\" must be an object"),
  FAIL_MSG ("groups/id-missing", "{\"type\":\"groups\",\"groups\":[{\"kind\":\"group\",\"name\":\"N\",\"owner\":\"a\",\"members\":[]}]}", MISSING_FIELD, "member \"groups[0].id\" is missing"),
  FAIL_MSG ("groups/id-login", "{\"type\":\"groups\",\"groups\":[{\"id\":\"bob\",\"kind\":\"group\",\"name\":\"N\",\"owner\":\"a\",\"members\":[]}]}", BAD_FIELD, "member \"groups[0].id\""),
  FAIL ("groups/id-number", "{\"type\":\"groups\",\"groups\":[{\"id\":12,\"kind\":\"group\",\"name\":\"N\",\"owner\":\"a\",\"members\":[]}]}", BAD_FIELD),
  FAIL_MSG ("groups/kind-bad", "{\"type\":\"groups\",\"groups\":[{\"id\":\"g:1\",\"kind\":\"club\",\"name\":\"N\",\"owner\":\"a\",\"members\":[]}]}", BAD_FIELD, "member \"groups[0].kind\""),
  FAIL ("groups/kind-missing", "{\"type\":\"groups\",\"groups\":[{\"id\":\"g:1\",\"name\":\"N\",\"owner\":\"a\",\"members\":[]}]}", MISSING_FIELD),
  FAIL ("groups/name-empty", "{\"type\":\"groups\",\"groups\":[{\"id\":\"g:1\",\"kind\":\"group\",\"name\":\"\",\"owner\":\"a\",\"members\":[]}]}", BAD_FIELD),
  FAIL ("groups/owner-missing", "{\"type\":\"groups\",\"groups\":[{\"id\":\"g:1\",\"kind\":\"group\",\"name\":\"N\",\"members\":[]}]}", MISSING_FIELD),
  FAIL_MSG ("groups/owner-bad", "{\"type\":\"groups\",\"groups\":[{\"id\":\"g:1\",\"kind\":\"group\",\"name\":\"N\",\"owner\":\"A\",\"members\":[]}]}", BAD_FIELD, "member \"groups[0].owner\""),
  FAIL ("groups/members-missing", "{\"type\":\"groups\",\"groups\":[{\"id\":\"g:1\",\"kind\":\"group\",\"name\":\"N\",\"owner\":\"a\"}]}", MISSING_FIELD),
  FAIL_MSG ("groups/member-bad", "{\"type\":\"groups\",\"groups\":[" GROUP_OBJ ",{\"id\":\"g:1\",\"kind\":\"group\",\"name\":\"N\",\"owner\":\"a\",\"members\":[\"a\",\"b c\"]}]}", BAD_FIELD, "member \"groups[1].members[1]\""),
  PASS ("group/valid", "{\"type\":\"group\",\"req\":\"g1\",\"group\":" GROUP_OBJ ",\"removed\":false}", TD_FRAME_GROUP),
  PASS ("group/removed", "{\"type\":\"group\",\"group\":" GROUP_OBJ ",\"removed\":true}", TD_FRAME_GROUP),
  FAIL ("group/group-missing", "{\"type\":\"group\",\"removed\":false}", MISSING_FIELD),
  FAIL ("group/group-address", "{\"type\":\"group\",\"group\":\"g:12\",\"removed\":false}", BAD_FIELD),
  FAIL_MSG ("group/removed-missing", "{\"type\":\"group\",\"group\":" GROUP_OBJ "}", MISSING_FIELD, "member \"removed\" is missing"),
  FAIL ("group/removed-number", "{\"type\":\"group\",\"group\":" GROUP_OBJ ",\"removed\":0}", BAD_FIELD),

  /* reminders, reminder */
  PASS ("reminders/valid", "{\"type\":\"reminders\",\"reminders\":[" REM_OBJ "," REM_WITH (REM_FIELDS) "]}", TD_FRAME_REMINDERS),
  PASS ("reminders/empty", "{\"type\":\"reminders\",\"reminders\":[]}", TD_FRAME_REMINDERS),
  FAIL ("reminders/missing", "{\"type\":\"reminders\"}", MISSING_FIELD),
  FAIL_MSG ("reminders/entry-bad", "{\"type\":\"reminders\",\"reminders\":[" REM_OBJ "," REM_WITH ("\"body\":\"\",\"link\":\"ftp://x\",\"category\":\"\",") "]}", BAD_FIELD, "member \"reminders[1].link\""),
  PASS ("reminder/valid", "{\"type\":\"reminder\",\"req\":\"u1\",\"reminder\":" REM_OBJ "}", TD_FRAME_REMINDER),
  PASS ("reminder/snoozed", "{\"type\":\"reminder\",\"reminder\":" REM_HEAD REM_FIELDS "\"priority\":\"normal\",\"time\":1,\"state\":\"snoozed\",\"until\":1764150000000,\"read\":true}}", TD_FRAME_REMINDER),
  PASS ("reminder/snoozed-no-until", "{\"type\":\"reminder\",\"reminder\":" REM_HEAD REM_FIELDS "\"priority\":\"normal\",\"time\":1,\"state\":\"snoozed\",\"read\":true}}", TD_FRAME_REMINDER),
  PASS ("reminder/announcement", "{\"type\":\"reminder\",\"reminder\":{\"rid\":1,\"kind\":\"announcement\",\"source\":\"admin\",\"title\":\"Office closed\",\"body\":\"\",\"link\":\"http://intranet\",\"category\":\"it.ops-1_a\",\"priority\":\"normal\",\"time\":0,\"state\":\"done\",\"read\":true}}", TD_FRAME_REMINDER),
  FAIL ("reminder/missing", "{\"type\":\"reminder\"}", MISSING_FIELD),
  FAIL ("reminder/array", "{\"type\":\"reminder\",\"reminder\":[]}", BAD_FIELD),
  FAIL_MSG ("reminder/rid-missing", "{\"type\":\"reminder\",\"reminder\":{\"kind\":\"reminder\"}}", MISSING_FIELD, "member \"reminder.rid\" is missing"),
  FAIL ("reminder/rid-0", "{\"type\":\"reminder\",\"reminder\":{\"rid\":0}}", BAD_FIELD),
  FAIL_MSG ("reminder/kind-bad", "{\"type\":\"reminder\",\"reminder\":{\"rid\":1,\"kind\":\"memo\"}}", BAD_FIELD, "member \"reminder.kind\""),
  FAIL ("reminder/source-missing", "{\"type\":\"reminder\",\"reminder\":{\"rid\":1,\"kind\":\"reminder\",\"title\":\"t\"}}", MISSING_FIELD),
  FAIL ("reminder/source-empty", "{\"type\":\"reminder\",\"reminder\":{\"rid\":1,\"kind\":\"reminder\",\"source\":\"\",\"title\":\"t\"}}", BAD_FIELD),
  FAIL_MSG ("reminder/title-missing", "{\"type\":\"reminder\",\"reminder\":{\"rid\":1,\"kind\":\"reminder\",\"source\":\"s\"}}", MISSING_FIELD, "member \"reminder.title\" is missing"),
  FAIL ("reminder/title-empty", "{\"type\":\"reminder\",\"reminder\":{\"rid\":1,\"kind\":\"reminder\",\"source\":\"s\",\"title\":\"\"}}", BAD_FIELD),
  FAIL ("reminder/title-blank", "{\"type\":\"reminder\",\"reminder\":{\"rid\":1,\"kind\":\"reminder\",\"source\":\"s\",\"title\":\" \\u3000\"}}", BAD_FIELD),
  FAIL ("reminder/body-missing", REMINDER_WITH ("\"link\":\"\",\"category\":\"\","), MISSING_FIELD),
  FAIL ("reminder/body-blank", REMINDER_WITH ("\"body\":\"  \",\"link\":\"\",\"category\":\"\","), BAD_FIELD),
  FAIL ("reminder/link-missing", REMINDER_WITH ("\"body\":\"\",\"category\":\"\","), MISSING_FIELD),
  FAIL_MSG ("reminder/link-javascript", REMINDER_WITH ("\"body\":\"\",\"link\":\"javascript:alert(1)\",\"category\":\"\","), BAD_FIELD, "http:// or https://"),
  FAIL ("reminder/link-space", REMINDER_WITH ("\"body\":\"\",\"link\":\"https://a.example/x y\",\"category\":\"\","), BAD_FIELD),
  FAIL ("reminder/link-no-host", REMINDER_WITH ("\"body\":\"\",\"link\":\"https:///x\",\"category\":\"\","), BAD_FIELD),
  FAIL ("reminder/category-missing", REMINDER_WITH ("\"body\":\"\",\"link\":\"\","), MISSING_FIELD),
  FAIL_MSG ("reminder/category-upper", REMINDER_WITH ("\"body\":\"\",\"link\":\"\",\"category\":\"Approval\","), BAD_FIELD, "member \"reminder.category\""),
  FAIL ("reminder/category-space", REMINDER_WITH ("\"body\":\"\",\"link\":\"\",\"category\":\"a b\","), BAD_FIELD),
  FAIL ("reminder/category-65", REMINDER_WITH ("\"body\":\"\",\"link\":\"\",\"category\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\","), BAD_FIELD),
  FAIL ("reminder/priority-bad", "{\"type\":\"reminder\",\"reminder\":" REM_HEAD REM_FIELDS "\"priority\":\"high\",\"time\":1,\"state\":\"open\",\"read\":false}}", BAD_FIELD),
  FAIL ("reminder/priority-missing", "{\"type\":\"reminder\",\"reminder\":" REM_HEAD REM_FIELDS "\"time\":1,\"state\":\"open\",\"read\":false}}", MISSING_FIELD),
  FAIL ("reminder/time-missing", "{\"type\":\"reminder\",\"reminder\":" REM_HEAD REM_FIELDS "\"priority\":\"normal\",\"state\":\"open\",\"read\":false}}", MISSING_FIELD),
  FAIL ("reminder/time-negative", "{\"type\":\"reminder\",\"reminder\":" REM_HEAD REM_FIELDS "\"priority\":\"normal\",\"time\":-1,\"state\":\"open\",\"read\":false}}", BAD_FIELD),
  FAIL_MSG ("reminder/state-bad", "{\"type\":\"reminder\",\"reminder\":" REM_HEAD REM_FIELDS "\"priority\":\"normal\",\"time\":1,\"state\":\"closed\",\"read\":false}}", BAD_FIELD, "member \"reminder.state\""),
  FAIL_MSG ("reminder/until-not-snoozed", "{\"type\":\"reminder\",\"reminder\":" REM_HEAD REM_FIELDS "\"priority\":\"normal\",\"time\":1,\"state\":\"open\",\"until\":5,\"read\":false}}", BAD_FIELD, "member \"reminder.until\""),
  FAIL ("reminder/until-string", "{\"type\":\"reminder\",\"reminder\":" REM_HEAD REM_FIELDS "\"priority\":\"normal\",\"time\":1,\"state\":\"snoozed\",\"until\":\"5\",\"read\":false}}", BAD_FIELD),
  FAIL ("reminder/read-missing", "{\"type\":\"reminder\",\"reminder\":" REM_HEAD REM_FIELDS "\"priority\":\"normal\",\"time\":1,\"state\":\"open\"}}", MISSING_FIELD),
  FAIL ("reminder/read-string", "{\"type\":\"reminder\",\"reminder\":" REM_HEAD REM_FIELDS "\"priority\":\"normal\",\"time\":1,\"state\":\"open\",\"read\":\"no\"}}", BAD_FIELD),

  /* reminder_update */
  PASS ("reminder-update/read", "{\"type\":\"reminder_update\",\"req\":\"u1\",\"rid\":7,\"action\":\"read\"}", TD_FRAME_REMINDER_UPDATE),
  PASS ("reminder-update/done", "{\"type\":\"reminder_update\",\"rid\":7,\"action\":\"done\"}", TD_FRAME_REMINDER_UPDATE),
  PASS ("reminder-update/reopen", "{\"type\":\"reminder_update\",\"rid\":7,\"action\":\"reopen\",\"until\":null}", TD_FRAME_REMINDER_UPDATE),
  PASS ("reminder-update/snooze", "{\"type\":\"reminder_update\",\"rid\":7,\"action\":\"snooze\",\"until\":1764150000000}", TD_FRAME_REMINDER_UPDATE),
  FAIL_MSG ("reminder-update/snooze-without-until", "{\"type\":\"reminder_update\",\"rid\":7,\"action\":\"snooze\"}", MISSING_FIELD, "member \"until\" is missing"),
  FAIL ("reminder-update/snooze-until-0", "{\"type\":\"reminder_update\",\"rid\":7,\"action\":\"snooze\",\"until\":0}", BAD_FIELD),
  FAIL ("reminder-update/snooze-until-string", "{\"type\":\"reminder_update\",\"rid\":7,\"action\":\"snooze\",\"until\":\"soon\"}", BAD_FIELD),
  FAIL_MSG ("reminder-update/done-with-until", "{\"type\":\"reminder_update\",\"rid\":7,\"action\":\"done\",\"until\":5}", BAD_FIELD, "member \"until\" is only allowed with action \"snooze\""),
  FAIL ("reminder-update/read-with-until", "{\"type\":\"reminder_update\",\"rid\":7,\"action\":\"read\",\"until\":5}", BAD_FIELD),
  FAIL ("reminder-update/rid-missing", "{\"type\":\"reminder_update\",\"action\":\"done\"}", MISSING_FIELD),
  FAIL ("reminder-update/rid-0", "{\"type\":\"reminder_update\",\"rid\":0,\"action\":\"done\"}", BAD_FIELD),
  FAIL ("reminder-update/rid-string", "{\"type\":\"reminder_update\",\"rid\":\"7\",\"action\":\"done\"}", BAD_FIELD),
  FAIL ("reminder-update/action-missing", "{\"type\":\"reminder_update\",\"rid\":7}", MISSING_FIELD),
  FAIL_MSG ("reminder-update/action-bad", "{\"type\":\"reminder_update\",\"rid\":7,\"action\":\"Done\"}", BAD_FIELD, "member \"action\""),
  FAIL ("reminder-update/action-number", "{\"type\":\"reminder_update\",\"rid\":7,\"action\":1}", BAD_FIELD),

  /* announce */
  PASS ("announce/full", "{\"type\":\"announce\",\"req\":\"n1\",\"title\":\"Office closed\",\"body\":\"Friday\",\"link\":\"https://intranet.example.com/x\",\"department\":\"Sales\",\"priority\":\"urgent\"}", TD_FRAME_ANNOUNCE),
  PASS ("announce/title-only", "{\"type\":\"announce\",\"title\":\"Hi all\"}", TD_FRAME_ANNOUNCE),
  PASS ("announce/empty-optionals", "{\"type\":\"announce\",\"title\":\"Hi\",\"body\":\"\",\"link\":\"\",\"department\":null,\"priority\":null}", TD_FRAME_ANNOUNCE),
  FAIL_MSG ("announce/title-missing", "{\"type\":\"announce\",\"body\":\"b\"}", MISSING_FIELD, "member \"title\" is missing"),
  FAIL ("announce/title-empty", "{\"type\":\"announce\",\"title\":\"\"}", BAD_FIELD),
  FAIL ("announce/title-blank", "{\"type\":\"announce\",\"title\":\"\\n \"}", BAD_FIELD),
  FAIL ("announce/title-number", "{\"type\":\"announce\",\"title\":1}", BAD_FIELD),
  FAIL ("announce/body-number", "{\"type\":\"announce\",\"title\":\"t\",\"body\":1}", BAD_FIELD),
  FAIL ("announce/body-blank", "{\"type\":\"announce\",\"title\":\"t\",\"body\":\"\\t\"}", BAD_FIELD),
  FAIL_MSG ("announce/link-ftp", "{\"type\":\"announce\",\"title\":\"t\",\"link\":\"ftp://files.example.com/\"}", BAD_FIELD, "member \"link\""),
  FAIL ("announce/link-relative", "{\"type\":\"announce\",\"title\":\"t\",\"link\":\"/r/4411\"}", BAD_FIELD),
  FAIL ("announce/link-newline", "{\"type\":\"announce\",\"title\":\"t\",\"link\":\"https://a.example/\\nx\"}", BAD_FIELD),
  FAIL ("announce/department-empty", "{\"type\":\"announce\",\"title\":\"t\",\"department\":\"\"}", BAD_FIELD),
  FAIL ("announce/department-array", "{\"type\":\"announce\",\"title\":\"t\",\"department\":[\"Sales\"]}", BAD_FIELD),
  FAIL_MSG ("announce/priority-bad", "{\"type\":\"announce\",\"title\":\"t\",\"priority\":\"low\"}", BAD_FIELD, "member \"priority\""),
  FAIL ("announce/priority-bool", "{\"type\":\"announce\",\"title\":\"t\",\"priority\":true}", BAD_FIELD),

  /* reminder_status */
  PASS ("reminder-status/request", "{\"type\":\"reminder_status\",\"req\":\"s1\",\"rid\":7}", TD_FRAME_REMINDER_STATUS),
  PASS ("reminder-status/result", STATUS_HEAD "\"total\":3,\"read\":2,\"done\":1,\"unread\":[\"carol\"]}", TD_FRAME_REMINDER_STATUS),
  PASS ("reminder-status/result-none-unread", STATUS_HEAD "\"total\":0,\"read\":0,\"done\":0,\"unread\":[]}", TD_FRAME_REMINDER_STATUS),
  FAIL ("reminder-status/rid-missing", "{\"type\":\"reminder_status\"}", MISSING_FIELD),
  FAIL ("reminder-status/rid-0", "{\"type\":\"reminder_status\",\"rid\":0}", BAD_FIELD),
  FAIL ("reminder-status/rid-string", "{\"type\":\"reminder_status\",\"rid\":\"7\"}", BAD_FIELD),
  FAIL_MSG ("reminder-status/read-missing", STATUS_HEAD "\"total\":3,\"done\":1,\"unread\":[]}", MISSING_FIELD, "member \"read\" is missing"),
  FAIL ("reminder-status/done-missing", STATUS_HEAD "\"total\":3,\"read\":1,\"unread\":[]}", MISSING_FIELD),
  FAIL ("reminder-status/unread-missing", STATUS_HEAD "\"total\":3,\"read\":1,\"done\":1}", MISSING_FIELD),
  FAIL ("reminder-status/total-negative", STATUS_HEAD "\"total\":-3,\"read\":1,\"done\":1,\"unread\":[]}", BAD_FIELD),
  FAIL ("reminder-status/total-too-big", STATUS_HEAD "\"total\":4294967296,\"read\":1,\"done\":1,\"unread\":[]}", BAD_FIELD),
  FAIL_MSG ("reminder-status/unread-bad", STATUS_HEAD "\"total\":3,\"read\":1,\"done\":1,\"unread\":[\"bob\",\"Carol\"]}", BAD_FIELD, "member \"unread[1]\""),
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

static TdGroup *
sample_group (void)
{
  const char * const members[] = { "carol", "alice", "bob", NULL };

  return td_group_new (12, TD_GROUP_ADHOC, "Release crew", "alice", members);
}

static TdReminder *
sample_reminder (void)
{
  return td_reminder_new (7, TD_REMINDER_KIND_REMINDER, "workflow", "Approval waiting",
                          "Travel request #4411 from Bob \"urgent\"", "https://flow.example.com/r/4411?a=1&b=2",
                          "approval", TD_PRIORITY_URGENT, G_GINT64_CONSTANT (1764147000123),
                          TD_REMINDER_OPEN, 0, FALSE);
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
  if (g_str_equal (name, "presence-snapshot"))
    return td_frame_new_presence_list (TRUE, (const char * const[]) { "bob", "wang.fang", NULL },
                                       (const char * const[]) { "carol", NULL },
                                       (const char * const[]) { "dave", NULL }, NULL);
  if (g_str_equal (name, "presence-delta"))
    return td_frame_new_presence_list (FALSE, (const char * const[]) { "erin", NULL }, NULL, NULL,
                                       (const char * const[]) { "bob", NULL });
  if (g_str_equal (name, "presence-snapshot-empty"))
    return td_frame_new_presence_list (TRUE, NULL, NULL, NULL, NULL);
  if (g_str_equal (name, "auth-cached"))
    return td_frame_new_auth_token_cached ("Q2hhbmdlIG1lIGJ5IGdlbmVyYXRpbmcgYSBuZXcgb25lLg", "laptop-1",
                                           "tidings-desktop/0.1", "5f3a9c0e12b4d6a8");
  if (g_str_equal (name, "auth-password-cached"))
    return td_frame_new_auth_password_cached ("alice", "secret", "laptop-1", NULL, "5f3a9c0e12b4d6a8");
  if (g_str_equal (name, "directory-versioned"))
    {
      g_autoptr(GPtrArray) departments = g_ptr_array_new_with_free_func (g_free);
      g_autoptr(GPtrArray) users = g_ptr_array_new_with_free_func ((GDestroyNotify) td_user_unref);

      g_ptr_array_add (departments, g_strdup ("Engineering"));
      g_ptr_array_add (users, td_user_new_full ("alice", "Alice Smith", "Engineering", "Developer", TD_PRESENCE_OFFLINE, TD_ROLE_ADMIN));
      g_ptr_array_add (users, td_user_new ("bob", "Bob Jones", "Engineering", NULL, TD_PRESENCE_OFFLINE));
      return td_frame_new_directory_versioned (departments, users, TRUE, "5f3a9c0e12b4d6a8", FALSE);
    }
  if (g_str_equal (name, "directory-unchanged"))
    {
      g_autoptr(GPtrArray) departments = g_ptr_array_new_with_free_func (g_free);

      g_ptr_array_add (departments, g_strdup ("Engineering"));
      g_ptr_array_add (departments, g_strdup ("财务部"));
      return td_frame_new_directory_versioned (departments, NULL, TRUE, "5f3a9c0e12b4d6a8", TRUE);
    }
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
  if (g_str_equal (name, "error-not-found"))
    return td_frame_new_error ("u1", TD_ERR_NOT_FOUND, "no group \"g:99\"", NULL);
  if (g_str_equal (name, "directory-roles"))
    {
      g_autoptr(GPtrArray) users = g_ptr_array_new_with_free_func ((GDestroyNotify) td_user_unref);

      g_ptr_array_add (users, td_user_new_full ("alice", "Alice Smith", "Engineering", "Developer", TD_PRESENCE_ONLINE, TD_ROLE_ADMIN));
      g_ptr_array_add (users, td_user_new_full ("bob", "Bob Jones", "Engineering", NULL, TD_PRESENCE_AWAY, TD_ROLE_USER));
      g_ptr_array_add (users, td_user_new_full ("deploy-bot", "Deploy Bot", "Engineering", "", TD_PRESENCE_OFFLINE, TD_ROLE_BOT));
      return td_frame_new_directory (NULL, users, FALSE);
    }
  if (g_str_equal (name, "message-group"))
    {
      g_autoptr(TdMessage) message = td_message_new (41, 6, "c-02", "alice", "g:12", "ship it", G_GINT64_CONSTANT (1764147000999));

      return td_frame_new_message (message);
    }
  if (g_str_equal (name, "history-reads"))
    {
      g_autoptr(GPtrArray) messages = g_ptr_array_new_with_free_func ((GDestroyNotify) td_message_unref);
      g_autoptr(GPtrArray) reads = g_ptr_array_new_with_free_func ((GDestroyNotify) td_read_mark_free);

      g_ptr_array_add (messages, td_message_new (40, 0, "m-7", "bob", "g:12", "are you there?", G_GINT64_CONSTANT (1764146990000)));
      g_ptr_array_add (messages, td_message_new (41, 0, "c-02", "alice", "g:12", "ship it", G_GINT64_CONSTANT (1764147000999)));
      g_ptr_array_add (reads, td_read_mark_new ("bob", 41));
      g_ptr_array_add (reads, td_read_mark_new ("carol", 40));
      return td_frame_new_history_result_with_reads ("h2", "g:12", messages, FALSE, reads);
    }
  if (g_str_equal (name, "read"))
    return td_frame_new_read ("g:12", 41);
  if (g_str_equal (name, "receipt"))
    return td_frame_new_receipt ("bob", "alice", 41);
  if (g_str_equal (name, "typing"))
    return td_frame_new_typing (NULL, "bob");
  if (g_str_equal (name, "typing-server"))
    return td_frame_new_typing ("alice", "g:12");
  if (g_str_equal (name, "group-create"))
    {
      const char * const members[] = { "bob", "carol", NULL };

      return td_frame_new_group_create ("g1", "Release crew", members);
    }
  if (g_str_equal (name, "group-update"))
    {
      const char * const add[] = { "dave", "wang.fang", NULL };
      const char * const remove[] = { "carol", NULL };

      return td_frame_new_group_update ("u1", "g:12", "Release crew \"2\"", add, remove);
    }
  if (g_str_equal (name, "group-update-add"))
    {
      const char * const add[] = { "dave", NULL };

      return td_frame_new_group_update (NULL, "g:12", NULL, add, NULL);
    }
  if (g_str_equal (name, "group-leave"))
    return td_frame_new_group_leave ("l1", "g:12");
  if (g_str_equal (name, "groups"))
    {
      g_autoptr(GPtrArray) groups = g_ptr_array_new_with_free_func ((GDestroyNotify) td_group_unref);

      g_ptr_array_add (groups, sample_group ());
      g_ptr_array_add (groups, td_group_new (1, TD_GROUP_DEPARTMENT, "财务部", NULL, (const char * const[]) { "wang.fang", NULL }));
      return td_frame_new_groups (groups);
    }
  if (g_str_equal (name, "group"))
    {
      g_autoptr(TdGroup) group = sample_group ();

      return td_frame_new_group ("g1", group, FALSE);
    }
  if (g_str_equal (name, "group-removed"))
    {
      g_autoptr(TdGroup) group = sample_group ();

      return td_frame_new_group (NULL, group, TRUE);
    }
  if (g_str_equal (name, "reminders"))
    {
      g_autoptr(GPtrArray) reminders = g_ptr_array_new_with_free_func ((GDestroyNotify) td_reminder_unref);

      g_ptr_array_add (reminders, sample_reminder ());
      g_ptr_array_add (reminders, td_reminder_new (3, TD_REMINDER_KIND_ANNOUNCEMENT, "alice", "Office closed Friday", NULL, NULL, NULL,
                                                   TD_PRIORITY_NORMAL, G_GINT64_CONSTANT (1764000000000), TD_REMINDER_SNOOZED,
                                                   G_GINT64_CONSTANT (1764150000000), TRUE));
      return td_frame_new_reminders (reminders);
    }
  if (g_str_equal (name, "reminder"))
    {
      g_autoptr(TdReminder) reminder = sample_reminder ();

      return td_frame_new_reminder ("u1", reminder);
    }
  if (g_str_equal (name, "reminder-update"))
    return td_frame_new_reminder_update ("u1", 7, TD_REMINDER_ACTION_SNOOZE, G_GINT64_CONSTANT (1764150000000));
  if (g_str_equal (name, "reminder-update-done"))
    return td_frame_new_reminder_update (NULL, 7, TD_REMINDER_ACTION_DONE, 0);
  if (g_str_equal (name, "announce"))
    return td_frame_new_announce ("n1", "Office closed Friday", "The heating is being repaired.\nWork from home.",
                                  "https://intranet.example.com/news/42", "Engineering", TD_PRIORITY_URGENT);
  if (g_str_equal (name, "announce-minimal"))
    return td_frame_new_announce (NULL, "Hello everyone", NULL, NULL, NULL, TD_PRIORITY_NORMAL);
  if (g_str_equal (name, "reminder-status"))
    return td_frame_new_reminder_status_request ("s1", 7);
  if (g_str_equal (name, "reminder-status-result"))
    {
      const char * const unread[] = { "carol", "wang.fang", NULL };

      return td_frame_new_reminder_status_result ("s1", 7, 5, 3, 1, unread);
    }
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
  g_assert_cmpint (td_user_get_role (a), ==, td_user_get_role (b));
}

static void
assert_strv_equal (const char * const *a, const char * const *b)
{
  g_assert_nonnull (a);
  g_assert_nonnull (b);
  g_assert_cmpstrv (a, b);
}

static void
assert_group_equal (TdGroup *a, TdGroup *b)
{
  g_assert_cmpint (td_group_get_id (a), ==, td_group_get_id (b));
  g_assert_cmpstr (td_group_get_address (a), ==, td_group_get_address (b));
  g_assert_cmpint (td_group_get_kind (a), ==, td_group_get_kind (b));
  g_assert_cmpstr (td_group_get_name (a), ==, td_group_get_name (b));
  g_assert_cmpstr (td_group_get_owner (a), ==, td_group_get_owner (b));
  g_assert_cmpuint (td_group_get_n_members (a), ==, td_group_get_n_members (b));
  assert_strv_equal (td_group_get_members (a), td_group_get_members (b));
}

static void
assert_reminder_equal (TdReminder *a, TdReminder *b)
{
  g_assert_cmpint (td_reminder_get_rid (a), ==, td_reminder_get_rid (b));
  g_assert_cmpint (td_reminder_get_kind (a), ==, td_reminder_get_kind (b));
  g_assert_cmpstr (td_reminder_get_source (a), ==, td_reminder_get_source (b));
  g_assert_cmpstr (td_reminder_get_title (a), ==, td_reminder_get_title (b));
  g_assert_cmpstr (td_reminder_get_body (a), ==, td_reminder_get_body (b));
  g_assert_cmpstr (td_reminder_get_link (a), ==, td_reminder_get_link (b));
  g_assert_cmpstr (td_reminder_get_category (a), ==, td_reminder_get_category (b));
  g_assert_cmpint (td_reminder_get_priority (a), ==, td_reminder_get_priority (b));
  g_assert_cmpint (td_reminder_get_time (a), ==, td_reminder_get_time (b));
  g_assert_cmpint (td_reminder_get_state (a), ==, td_reminder_get_state (b));
  g_assert_cmpint (td_reminder_get_until (a), ==, td_reminder_get_until (b));
  g_assert_cmpint (td_reminder_get_read (a), ==, td_reminder_get_read (b));
}

/* The getters of section 12. */
static void
assert_frame_ext_equal (const TdFrame *a, const TdFrame *b)
{
  GPtrArray *pa, *pb;

  g_assert_cmpint (td_frame_get_mid (a), ==, td_frame_get_mid (b));
  g_assert_cmpstr (td_frame_get_name (a), ==, td_frame_get_name (b));
  assert_strv_equal (td_frame_get_members (a), td_frame_get_members (b));
  g_assert_cmpstr (td_frame_get_group_address (a), ==, td_frame_get_group_address (b));
  assert_strv_equal (td_frame_get_add (a), td_frame_get_add (b));
  assert_strv_equal (td_frame_get_remove (a), td_frame_get_remove (b));
  g_assert_cmpint (td_frame_get_removed (a), ==, td_frame_get_removed (b));
  g_assert_cmpint (td_frame_get_rid (a), ==, td_frame_get_rid (b));
  g_assert_cmpint (td_frame_get_action (a), ==, td_frame_get_action (b));
  g_assert_cmpint (td_frame_get_until (a), ==, td_frame_get_until (b));
  g_assert_cmpstr (td_frame_get_title (a), ==, td_frame_get_title (b));
  g_assert_cmpstr (td_frame_get_body (a), ==, td_frame_get_body (b));
  g_assert_cmpstr (td_frame_get_link (a), ==, td_frame_get_link (b));
  g_assert_cmpstr (td_frame_get_department (a), ==, td_frame_get_department (b));
  g_assert_cmpint (td_frame_get_priority (a), ==, td_frame_get_priority (b));
  g_assert_cmpint (td_frame_is_status_result (a), ==, td_frame_is_status_result (b));
  g_assert_cmpuint (td_frame_get_total (a), ==, td_frame_get_total (b));
  g_assert_cmpuint (td_frame_get_read_count (a), ==, td_frame_get_read_count (b));
  g_assert_cmpuint (td_frame_get_done_count (a), ==, td_frame_get_done_count (b));
  assert_strv_equal (td_frame_get_unread (a), td_frame_get_unread (b));

  g_assert_cmpint (!td_frame_get_group (a), ==, !td_frame_get_group (b));
  if (td_frame_get_group (a))
    assert_group_equal (td_frame_get_group (a), td_frame_get_group (b));
  g_assert_cmpint (!td_frame_get_reminder (a), ==, !td_frame_get_reminder (b));
  if (td_frame_get_reminder (a))
    assert_reminder_equal (td_frame_get_reminder (a), td_frame_get_reminder (b));

  pa = td_frame_get_groups (a);
  pb = td_frame_get_groups (b);
  g_assert_cmpint (!pa, ==, !pb);
  g_assert_cmpuint (pa ? pa->len : 0, ==, pb ? pb->len : 0);
  for (guint i = 0; pa && i < pa->len; i++)
    assert_group_equal (g_ptr_array_index (pa, i), g_ptr_array_index (pb, i));
  pa = td_frame_get_reminders (a);
  pb = td_frame_get_reminders (b);
  g_assert_cmpint (!pa, ==, !pb);
  g_assert_cmpuint (pa ? pa->len : 0, ==, pb ? pb->len : 0);
  for (guint i = 0; pa && i < pa->len; i++)
    assert_reminder_equal (g_ptr_array_index (pa, i), g_ptr_array_index (pb, i));
  pa = td_frame_get_reads (a);
  pb = td_frame_get_reads (b);
  g_assert_nonnull (pa);
  g_assert_nonnull (pb);
  g_assert_cmpuint (pa->len, ==, pb->len);
  for (guint i = 0; i < pa->len; i++)
    {
      const TdReadMark *ma = g_ptr_array_index (pa, i);
      const TdReadMark *mb = g_ptr_array_index (pb, i);

      g_assert_cmpstr (ma->user, ==, mb->user);
      g_assert_cmpint (ma->mid, ==, mb->mid);
    }
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
  g_assert_cmpstr (td_frame_get_directory_version (a), ==, td_frame_get_directory_version (b));
  g_assert_cmpint (td_frame_get_unchanged (a), ==, td_frame_get_unchanged (b));
  g_assert_cmpint (td_frame_is_presence_list (a), ==, td_frame_is_presence_list (b));
  g_assert_cmpint (td_frame_get_snapshot (a), ==, td_frame_get_snapshot (b));
  for (TdPresence p = TD_PRESENCE_OFFLINE; p <= TD_PRESENCE_BUSY; p++)
    g_assert_true (g_strv_equal ((const char * const *) td_frame_get_presence_logins (a, p),
                                 (const char * const *) td_frame_get_presence_logins (b, p)));

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
  assert_frame_ext_equal (a, b);
}

static const char * const golden_names[] = {
  "auth", "auth-token", "send", "ack", "history", "status", "logout", "ping",
  "welcome", "directory", "presence", "message", "sent", "synced",
  "history-result", "pong", "bye", "error",
  "error-not-found", "directory-roles", "message-group", "history-reads", "read", "receipt",
  "typing", "typing-server", "group-create", "group-update", "group-update-add", "group-leave",
  "groups", "group", "group-removed", "reminders", "reminder", "reminder-update",
  "reminder-update-done", "announce", "announce-minimal", "reminder-status",
  "reminder-status-result", "presence-snapshot", "presence-delta", "presence-snapshot-empty",
  "auth-cached", "auth-password-cached", "directory-versioned", "directory-unchanged",
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


/* ---- Section 12: groups, receipts, typing, reminders ---- */

/* Decodes a frame that must be valid, in the client's direction. */
static TdFrame *
decode_ok (const char *json)
{
  g_autoptr(GError) error = NULL;
  TdFrame *frame = td_frame_decode (json, strlen (json), TD_PROTO_MAX_SERVER_FRAME, NULL, &error);

  if (frame == NULL)
    g_error ("%s: %s", json, error->message);
  return frame;
}

static void
test_ext_decode_values (void)
{
  const char * const no_strings[] = { NULL };
  const char * const bob_carol[] = { "bob", "carol", NULL };
  g_autoptr(TdFrame) create = NULL;
  g_autoptr(TdFrame) update = NULL;
  g_autoptr(TdFrame) typing = NULL;
  g_autoptr(TdFrame) typing_server = NULL;
  g_autoptr(TdFrame) snooze = NULL;
  g_autoptr(TdFrame) done = NULL;
  g_autoptr(TdFrame) announce = NULL;
  g_autoptr(TdFrame) status = NULL;
  g_autoptr(TdFrame) result = NULL;
  g_autoptr(TdFrame) read = NULL;
  g_autoptr(TdFrame) receipt = NULL;
  g_autoptr(TdFrame) ping = NULL;
  g_autoptr(TdFrame) hist = NULL;
  g_autoptr(TdFrame) group = NULL;
  TdGroup *g;
  GPtrArray *reads;

  create = decode_ok ("{\"type\":\"group_create\",\"req\":\"g1\",\"name\":\"Crew\",\"members\":[\"bob\",\"carol\"]}");
  g_assert_cmpint (td_frame_get_frame_type (create), ==, TD_FRAME_GROUP_CREATE);
  g_assert_cmpstr (td_frame_get_req (create), ==, "g1");
  g_assert_cmpstr (td_frame_get_name (create), ==, "Crew");
  g_assert_cmpstrv (td_frame_get_members (create), bob_carol);

  update = decode_ok ("{\"type\":\"group_update\",\"group\":\"g:12\",\"remove\":[\"bob\",\"carol\"]}");
  g_assert_cmpstr (td_frame_get_group_address (update), ==, "g:12");
  g_assert_null (td_frame_get_name (update));
  g_assert_cmpstrv (td_frame_get_add (update), no_strings);
  g_assert_cmpstrv (td_frame_get_remove (update), bob_carol);

  typing = decode_ok ("{\"type\":\"typing\",\"to\":\"g:3\"}");
  g_assert_null (td_frame_get_user (typing));
  g_assert_cmpstr (td_frame_get_to (typing), ==, "g:3");
  typing_server = decode_ok ("{\"type\":\"typing\",\"user\":\"alice\",\"to\":\"bob\"}");
  g_assert_cmpstr (td_frame_get_user (typing_server), ==, "alice");
  g_assert_cmpstr (td_frame_get_to (typing_server), ==, "bob");

  snooze = decode_ok ("{\"type\":\"reminder_update\",\"rid\":9,\"action\":\"snooze\",\"until\":1764150000000}");
  g_assert_cmpint (td_frame_get_rid (snooze), ==, 9);
  g_assert_cmpint (td_frame_get_action (snooze), ==, TD_REMINDER_ACTION_SNOOZE);
  g_assert_cmpint (td_frame_get_until (snooze), ==, G_GINT64_CONSTANT (1764150000000));
  done = decode_ok ("{\"type\":\"reminder_update\",\"rid\":9,\"action\":\"done\"}");
  g_assert_cmpint (td_frame_get_action (done), ==, TD_REMINDER_ACTION_DONE);
  g_assert_cmpint (td_frame_get_until (done), ==, 0);

  announce = decode_ok ("{\"type\":\"announce\",\"title\":\"Hi\"}");
  g_assert_cmpstr (td_frame_get_title (announce), ==, "Hi");
  g_assert_cmpstr (td_frame_get_body (announce), ==, "");
  g_assert_cmpstr (td_frame_get_link (announce), ==, "");
  g_assert_null (td_frame_get_department (announce));
  g_assert_cmpint (td_frame_get_priority (announce), ==, TD_PRIORITY_NORMAL);

  status = decode_ok ("{\"type\":\"reminder_status\",\"rid\":7}");
  g_assert_false (td_frame_is_status_result (status));
  g_assert_cmpint (td_frame_get_rid (status), ==, 7);
  g_assert_cmpstrv (td_frame_get_unread (status), no_strings);
  result = decode_ok ("{\"type\":\"reminder_status\",\"rid\":7,\"total\":4,\"read\":3,\"done\":2,\"unread\":[\"bob\",\"carol\"]}");
  g_assert_true (td_frame_is_status_result (result));
  g_assert_cmpuint (td_frame_get_total (result), ==, 4);
  g_assert_cmpuint (td_frame_get_read_count (result), ==, 3);
  g_assert_cmpuint (td_frame_get_done_count (result), ==, 2);
  g_assert_cmpstrv (td_frame_get_unread (result), bob_carol);

  read = decode_ok ("{\"type\":\"read\",\"peer\":\"g:12\",\"mid\":41}");
  g_assert_cmpstr (td_frame_get_peer (read), ==, "g:12");
  g_assert_cmpint (td_frame_get_mid (read), ==, 41);
  receipt = decode_ok ("{\"type\":\"receipt\",\"user\":\"bob\",\"peer\":\"alice\",\"mid\":40}");
  g_assert_cmpstr (td_frame_get_user (receipt), ==, "bob");
  g_assert_cmpstr (td_frame_get_peer (receipt), ==, "alice");
  g_assert_cmpint (td_frame_get_mid (receipt), ==, 40);

  hist = decode_ok ("{\"type\":\"history\",\"peer\":\"g:4\",\"messages\":[],\"more\":false,\"reads\":[{\"user\":\"bob\",\"mid\":41}]}");
  reads = td_frame_get_reads (hist);
  g_assert_cmpuint (reads->len, ==, 1);
  g_assert_cmpstr (((TdReadMark *) g_ptr_array_index (reads, 0))->user, ==, "bob");
  g_assert_cmpint (((TdReadMark *) g_ptr_array_index (reads, 0))->mid, ==, 41);

  /* Server group objects are taken sorted, whatever order they come in. */
  group = decode_ok ("{\"type\":\"group\",\"group\":{\"id\":\"g:9007199254740992\",\"kind\":\"department\",\"name\":\"Sales\",\"owner\":\"\",\"members\":[\"zed\",\"amy\"]},\"removed\":true}");
  g = td_frame_get_group (group);
  g_assert_cmpint (td_group_get_id (g), ==, G_GINT64_CONSTANT (9007199254740992));
  g_assert_cmpint (td_group_get_kind (g), ==, TD_GROUP_DEPARTMENT);
  g_assert_cmpstr (td_group_get_owner (g), ==, "");
  g_assert_cmpstr (td_group_get_members (g)[0], ==, "amy");
  g_assert_true (td_frame_get_removed (group));

  /* Getters of members a frame does not carry: NULL / 0, and empty
   * arrays where the header promises never NULL. */
  ping = decode_ok ("{\"type\":\"ping\"}");
  g_assert_cmpstrv (td_frame_get_members (ping), no_strings);
  g_assert_cmpstrv (td_frame_get_add (ping), no_strings);
  g_assert_cmpstrv (td_frame_get_remove (ping), no_strings);
  g_assert_cmpstrv (td_frame_get_unread (ping), no_strings);
  g_assert_cmpuint (td_frame_get_reads (ping)->len, ==, 0);
  g_assert_null (td_frame_get_group (ping));
  g_assert_null (td_frame_get_groups (ping));
  g_assert_null (td_frame_get_reminder (ping));
  g_assert_null (td_frame_get_reminders (ping));
  g_assert_null (td_frame_get_title (ping));
  g_assert_cmpint (td_frame_get_rid (ping), ==, 0);
  g_assert_cmpint (td_frame_get_mid (ping), ==, 0);
}

static void
test_ext_roles (void)
{
  g_autoptr(TdFrame) dir = decode_ok ("{\"type\":\"directory\",\"departments\":[],\"users\":["
                                      "{\"login\":\"a\",\"name\":\"A\",\"department\":\"E\",\"title\":\"\",\"status\":\"online\",\"role\":\"admin\"},"
                                      "{\"login\":\"b\",\"name\":\"B\",\"department\":\"E\",\"title\":\"\",\"status\":\"online\",\"role\":\"bot\"},"
                                      "{\"login\":\"c\",\"name\":\"C\",\"department\":\"E\",\"title\":\"\",\"status\":\"online\",\"role\":\"wizard\"},"
                                      "{\"login\":\"d\",\"name\":\"D\",\"department\":\"E\",\"title\":\"\",\"status\":\"online\",\"role\":\"user\"},"
                                      "{\"login\":\"e\",\"name\":\"E\",\"department\":\"E\",\"title\":\"\",\"status\":\"online\"}],\"complete\":true}");
  GPtrArray *users = td_frame_get_users (dir);
  g_autoptr(TdUser) bot = td_user_new_full ("b", "B", "E", NULL, TD_PRESENCE_ONLINE, TD_ROLE_BOT);
  g_autoptr(TdUser) away = td_user_with_presence (bot, TD_PRESENCE_AWAY);
  g_autoptr(TdUser) plain = td_user_new ("p", "P", "E", NULL, TD_PRESENCE_ONLINE);
  g_autoptr(TdUser) explicit_user = td_user_new_full ("p", "P", "E", NULL, TD_PRESENCE_ONLINE, TD_ROLE_USER);
  g_autofree char *bot_json = td_user_to_json (bot);
  g_autofree char *plain_json = td_user_to_json (plain);
  g_autofree char *explicit_json = td_user_to_json (explicit_user);
  g_autofree char *dir_json = td_frame_encode (dir, NULL);

  g_assert_cmpint (td_user_get_role (g_ptr_array_index (users, 0)), ==, TD_ROLE_ADMIN);
  g_assert_cmpint (td_user_get_role (g_ptr_array_index (users, 1)), ==, TD_ROLE_BOT);
  /* An unknown role is treated as absent (3.1). */
  g_assert_cmpint (td_user_get_role (g_ptr_array_index (users, 2)), ==, TD_ROLE_USER);
  g_assert_cmpint (td_user_get_role (g_ptr_array_index (users, 3)), ==, TD_ROLE_USER);
  g_assert_cmpint (td_user_get_role (g_ptr_array_index (users, 4)), ==, TD_ROLE_USER);
  g_assert_cmpint (td_user_get_role (plain), ==, TD_ROLE_USER);
  g_assert_cmpint (td_user_get_role (away), ==, TD_ROLE_BOT);
  g_assert_cmpint (td_user_get_presence (away), ==, TD_PRESENCE_AWAY);
  g_assert_cmpstr (bot_json, ==, "{\"login\":\"b\",\"name\":\"B\",\"department\":\"E\",\"title\":\"\",\"status\":\"online\",\"role\":\"bot\"}");
  /* Ordinary users carry no role at all. */
  g_assert_cmpstr (plain_json, ==, "{\"login\":\"p\",\"name\":\"P\",\"department\":\"E\",\"title\":\"\",\"status\":\"online\"}");
  g_assert_cmpstr (explicit_json, ==, plain_json);
  g_assert_nonnull (strstr (dir_json, "\"status\":\"online\",\"role\":\"admin\"}"));
  g_assert_null (strstr (dir_json, "wizard"));
  g_assert_null (strstr (dir_json, "\"role\":\"user\""));
}

/* A JSON array of @n distinct logins. */
static char *
login_array (guint n)
{
  GString *out = g_string_new ("[");

  for (guint i = 0; i < n; i++)
    g_string_append_printf (out, "%s\"u%u\"", i > 0 ? "," : "", i);
  g_string_append_c (out, ']');
  return g_string_free (out, FALSE);
}

static void
test_ext_list_limits (void)
{
  g_autofree char *list1000 = login_array (TD_PROTO_MAX_MEMBERS);
  g_autofree char *list1001 = login_array (TD_PROTO_MAX_MEMBERS + 1);
  g_autofree char *list100000 = login_array (100000);
  g_autofree char *list100001 = login_array (100001);
  g_autofree char *create_ok = g_strdup_printf ("{\"type\":\"group_create\",\"name\":\"n\",\"members\":%s}", list1000);
  g_autofree char *create_over = g_strdup_printf ("{\"type\":\"group_create\",\"name\":\"n\",\"members\":%s}", list1001);
  g_autofree char *add_over = g_strdup_printf ("{\"type\":\"group_update\",\"group\":\"g:1\",\"add\":%s}", list1001);
  g_autofree char *remove_over = g_strdup_printf ("{\"type\":\"group_update\",\"group\":\"g:1\",\"remove\":%s}", list1001);
  g_autofree char *unread_ok = g_strdup_printf ("{\"type\":\"reminder_status\",\"rid\":1,\"total\":1,\"read\":0,\"done\":0,\"unread\":%s}", list1000);
  g_autofree char *unread_over = g_strdup_printf ("{\"type\":\"reminder_status\",\"rid\":1,\"total\":1,\"read\":0,\"done\":0,\"unread\":%s}", list1001);
  g_autofree char *big_group = g_strdup_printf ("{\"type\":\"group\",\"group\":{\"id\":\"g:1\",\"kind\":\"department\",\"name\":\"All\",\"owner\":\"\",\"members\":%s},\"removed\":false}", list100000);
  g_autofree char *huge_group = g_strdup_printf ("{\"type\":\"group\",\"group\":{\"id\":\"g:1\",\"kind\":\"department\",\"name\":\"All\",\"owner\":\"\",\"members\":%s},\"removed\":false}", list100001);
  g_autoptr(GString) reminders = g_string_new ("{\"type\":\"reminders\",\"reminders\":[");
  g_autoptr(GString) reads = g_string_new ("{\"type\":\"history\",\"peer\":\"g:1\",\"messages\":[],\"more\":false,\"reads\":[");
  g_autoptr(TdFrame) created = NULL;
  g_autoptr(TdFrame) unread = NULL;
  g_autoptr(TdFrame) group = NULL;
  g_autoptr(TdFrame) ignored = NULL;
  g_autofree char *encoded = NULL;

  created = check_decode_str (create_ok, TD_PROTO_MAX_FRAME, OK, TD_FRAME_GROUP_CREATE, NULL, NULL);
  g_assert_cmpuint (g_strv_length ((char **) td_frame_get_members (created)), ==, TD_PROTO_MAX_MEMBERS);
  ignored = check_decode_str (create_over, TD_PROTO_MAX_FRAME, TD_PROTO_ERROR_BAD_FIELD, 0, NULL,
                              "member \"members\" has 1001 entries, the limit is 1000");
  ignored = check_decode_str (add_over, TD_PROTO_MAX_FRAME, TD_PROTO_ERROR_BAD_FIELD, 0, NULL, "member \"add\"");
  ignored = check_decode_str (remove_over, TD_PROTO_MAX_FRAME, TD_PROTO_ERROR_BAD_FIELD, 0, NULL, "member \"remove\"");
  unread = check_decode_str (unread_ok, TD_PROTO_MAX_SERVER_FRAME, OK, TD_FRAME_REMINDER_STATUS, NULL, NULL);
  g_assert_cmpuint (g_strv_length ((char **) td_frame_get_unread (unread)), ==, 1000);
  ignored = check_decode_str (unread_over, TD_PROTO_MAX_SERVER_FRAME, TD_PROTO_ERROR_BAD_FIELD, 0, NULL, "member \"unread\"");

  /* Department groups from the server may be large, but not unbounded;
   * a client frame of that size never gets past the size limit. */
  group = check_decode_str (big_group, TD_PROTO_MAX_SERVER_FRAME, OK, TD_FRAME_GROUP, NULL, NULL);
  g_assert_cmpuint (td_group_get_n_members (td_frame_get_group (group)), ==, 100000);
  g_assert_true (td_group_has_member (td_frame_get_group (group), "u99999"));
  g_assert_false (td_group_has_member (td_frame_get_group (group), "u100000"));
  encoded = td_frame_encode (group, NULL);
  g_assert_cmpuint (strlen (encoded), ==, strlen (big_group));
  ignored = check_decode_str (huge_group, TD_PROTO_MAX_SERVER_FRAME, TD_PROTO_ERROR_BAD_FIELD, 0, NULL,
                              "member \"group.members\" has 100001 entries");
  ignored = check_decode_str (big_group, TD_PROTO_MAX_FRAME, TD_PROTO_ERROR_TOO_LARGE, 0, NULL, NULL);

  for (guint i = 0; i < 501; i++)
    g_string_append_printf (reminders, "%s" REM_OBJ, i > 0 ? "," : "");
  g_string_append (reminders, "]}");
  ignored = check_decode_str (reminders->str, TD_PROTO_MAX_SERVER_FRAME, TD_PROTO_ERROR_BAD_FIELD, 0, NULL,
                              "member \"reminders\" has 501 entries, the limit is 500");

  for (guint i = 0; i < 1001; i++)
    g_string_append_printf (reads, "%s{\"user\":\"u%u\",\"mid\":1}", i > 0 ? "," : "", i);
  g_string_append (reads, "]}");
  ignored = check_decode_str (reads->str, TD_PROTO_MAX_SERVER_FRAME, TD_PROTO_ERROR_BAD_FIELD, 0, NULL,
                              "member \"reads\" has 1001 entries");
}

static void
test_group_address (void)
{
  static const struct {
    const char *peer;
    gint64      id;   /* 0: not a group address */
  } cases[] = {
    { "g:1", 1 },
    { "g:12", 12 },
    { "g:9007199254740992", G_GINT64_CONSTANT (9007199254740992) },
    { "g:9007199254740993", 0 },
    { "g:18446744073709551617", 0 },
    { "g:0", 0 },
    { "g:01", 0 },
    { "g:x", 0 },
    { "g:", 0 },
    { "g:-1", 0 },
    { "g:+1", 0 },
    { "g:1 ", 0 },
    { " g:1", 0 },
    { "g:1x", 0 },
    { "G:1", 0 },
    { "g1", 0 },
    { "alice", 0 },
    { "", 0 },
  };
  g_autofree char *address = td_group_address (12);
  g_autofree char *max = td_group_address (G_GINT64_CONSTANT (9007199254740992));

  g_assert_cmpstr (address, ==, "g:12");
  g_assert_cmpstr (max, ==, "g:9007199254740992");
  g_assert_false (td_parse_group_address (NULL, NULL));
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      gint64 id = -1;
      gboolean ok = td_parse_group_address (cases[i].peer, &id);

      if (ok != (cases[i].id != 0))
        g_error ("td_parse_group_address (\"%s\") gave %d", cases[i].peer, ok);
      if (ok)
        g_assert_cmpint (id, ==, cases[i].id);
      else
        g_assert_cmpint (id, ==, -1);
    }

  /* Peers: logins or group addresses. */
  g_assert_true (td_proto_validate_peer ("alice", NULL));
  g_assert_true (td_proto_validate_peer ("g:7", NULL));
  {
    const char *bad[] = { "g:0", "g:01", "g:x", "g:9007199254740993", "Alice", "", "-a", "a:b" };

    for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
      {
        g_autoptr(GError) error = NULL;

        if (td_proto_validate_peer (bad[i], &error))
          g_error ("peer \"%s\" accepted", bad[i]);
        g_assert_error (error, TD_PROTO_ERROR, TD_PROTO_ERROR_BAD_FIELD);
      }
  }
}

static void
test_validate_reminder_fields (void)
{
  g_autofree char *title256 = g_strnfill (TD_PROTO_MAX_TITLE, 'x');
  g_autofree char *title257 = g_strnfill (TD_PROTO_MAX_TITLE + 1, 'x');
  g_autofree char *body4096 = g_strnfill (TD_PROTO_MAX_BODY, 'x');
  g_autofree char *body4097 = g_strnfill (TD_PROTO_MAX_BODY + 1, 'x');
  g_autofree char *cat64 = g_strnfill (TD_PROTO_MAX_CATEGORY, 'c');
  g_autofree char *cat65 = g_strnfill (TD_PROTO_MAX_CATEGORY + 1, 'c');
  g_autofree char *path = g_strnfill (TD_PROTO_MAX_LINK - strlen ("https://a.example/"), 'p');
  g_autofree char *link_max = g_strconcat ("https://a.example/", path, NULL);
  g_autofree char *link_over = g_strconcat ("https://a.example/x", path, NULL);
  const char *good_titles[] = { "Approval waiting", "审批", " x ", title256 };
  const char *bad_titles[] = { "", " ", "\u3000", "a\xff", title257 };
  const char *good_bodies[] = { "", "Travel request", "line 1\nline 2", body4096 };
  const char *bad_bodies[] = { " ", "\n", body4097 };
  const char *good_links[] = { "", "http://a", "https://flow.example.com/r/4411?x=1&y=%20#f", "HTTPS://A.EXAMPLE/",
                               "https://例子.测试/路径", "http://[::1]:8080/", link_max };
  const char *bad_links[] = { "ftp://a.example/", "javascript:alert(1)", "//a.example/", "a.example", "http://",
                              "https://", "https:///path", "http:/a", "https://a.example/x y", "https://a.example/\t",
                              "https://a.example/\u00a0", "https://a.example/\x7f", "https://a.example/\xc2\x85",
                              "https://a.example/\u200b", "mailto:a@example.com", link_over };
  const char *good_categories[] = { "", "approval", "it.ops-1_a", "0", cat64 };
  const char *bad_categories[] = { "Approval", "a b", "a/b", "é", "a:b", cat65 };
  g_autoptr(GError) title_error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (good_titles); i++)
    g_assert_true (td_proto_validate_title (good_titles[i], NULL));
  for (guint i = 0; i < G_N_ELEMENTS (bad_titles); i++)
    {
      g_autoptr(GError) error = NULL;

      if (td_proto_validate_title (bad_titles[i], &error))
        g_error ("title %u accepted", i);
      g_assert_error (error, TD_PROTO_ERROR, TD_PROTO_ERROR_BAD_FIELD);
    }
  for (guint i = 0; i < G_N_ELEMENTS (good_bodies); i++)
    g_assert_true (td_proto_validate_body (good_bodies[i], NULL));
  for (guint i = 0; i < G_N_ELEMENTS (bad_bodies); i++)
    {
      g_autoptr(GError) error = NULL;

      if (td_proto_validate_body (bad_bodies[i], &error))
        g_error ("body %u accepted", i);
      g_assert_error (error, TD_PROTO_ERROR, TD_PROTO_ERROR_BAD_FIELD);
    }
  for (guint i = 0; i < G_N_ELEMENTS (good_links); i++)
    {
      g_autoptr(GError) error = NULL;

      if (!td_proto_validate_link (good_links[i], &error))
        g_error ("link \"%s\" rejected: %s", good_links[i], error->message);
    }
  for (guint i = 0; i < G_N_ELEMENTS (bad_links); i++)
    {
      g_autoptr(GError) error = NULL;

      if (td_proto_validate_link (bad_links[i], &error))
        g_error ("link %u \"%s\" accepted", i, bad_links[i]);
      g_assert_error (error, TD_PROTO_ERROR, TD_PROTO_ERROR_BAD_FIELD);
      g_assert_true (g_str_has_prefix (error->message, "link "));
    }
  for (guint i = 0; i < G_N_ELEMENTS (good_categories); i++)
    g_assert_true (td_proto_validate_category (good_categories[i], NULL));
  for (guint i = 0; i < G_N_ELEMENTS (bad_categories); i++)
    {
      g_autoptr(GError) error = NULL;

      if (td_proto_validate_category (bad_categories[i], &error))
        g_error ("category \"%s\" accepted", bad_categories[i]);
      g_assert_error (error, TD_PROTO_ERROR, TD_PROTO_ERROR_BAD_FIELD);
      g_assert_true (g_str_has_prefix (error->message, "category "));
    }

  /* The HTTP API shows these messages to integrators: they name the field. */
  g_assert_false (td_proto_validate_title (title257, &title_error));
  g_assert_cmpstr (title_error->message, ==, "title is 257 bytes, the limit is 256");
}

static void
test_ext_enum_strings (void)
{
  static const char * const roles[] = { "user", "admin", "bot" };
  static const char * const kinds[] = { "department", "group" };
  static const char * const reminder_kinds[] = { "reminder", "announcement" };
  static const char * const priorities[] = { "normal", "urgent" };
  static const char * const states[] = { "open", "done", "snoozed" };
  static const char * const actions[] = { "read", "done", "snooze", "reopen" };
  int value;

  for (guint i = 0; i < G_N_ELEMENTS (roles); i++)
    {
      TdRole role = 99;

      g_assert_cmpstr (td_role_to_string (i), ==, roles[i]);
      g_assert_true (td_role_from_string (roles[i], &role));
      g_assert_cmpint (role, ==, i);
    }
  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    {
      TdGroupKind kind = 99;

      g_assert_cmpstr (td_group_kind_to_string (i), ==, kinds[i]);
      g_assert_true (td_group_kind_from_string (kinds[i], &kind));
      g_assert_cmpint (kind, ==, i);
    }
  for (guint i = 0; i < G_N_ELEMENTS (reminder_kinds); i++)
    {
      TdReminderKind kind = 99;

      g_assert_cmpstr (td_reminder_kind_to_string (i), ==, reminder_kinds[i]);
      g_assert_true (td_reminder_kind_from_string (reminder_kinds[i], &kind));
      g_assert_cmpint (kind, ==, i);
    }
  for (guint i = 0; i < G_N_ELEMENTS (priorities); i++)
    {
      TdPriority priority = 99;

      g_assert_cmpstr (td_priority_to_string (i), ==, priorities[i]);
      g_assert_true (td_priority_from_string (priorities[i], &priority));
      g_assert_cmpint (priority, ==, i);
    }
  for (guint i = 0; i < G_N_ELEMENTS (states); i++)
    {
      TdReminderState state = 99;

      g_assert_cmpstr (td_reminder_state_to_string (i), ==, states[i]);
      g_assert_true (td_reminder_state_from_string (states[i], &state));
      g_assert_cmpint (state, ==, i);
    }
  for (guint i = 0; i < G_N_ELEMENTS (actions); i++)
    {
      TdReminderAction action = 99;

      g_assert_cmpstr (td_reminder_action_to_string (i), ==, actions[i]);
      g_assert_true (td_reminder_action_from_string (actions[i], &action));
      g_assert_cmpint (action, ==, i);
    }
  value = 5;
  g_assert_false (td_role_from_string ("Admin", (TdRole *) &value));
  g_assert_false (td_group_kind_from_string ("adhoc", NULL));
  g_assert_false (td_reminder_kind_from_string ("", NULL));
  g_assert_false (td_priority_from_string ("high", NULL));
  g_assert_false (td_reminder_state_from_string ("snooze", NULL));
  g_assert_false (td_reminder_action_from_string ("snoozed", NULL));
  g_assert_cmpint (value, ==, 5);
  g_assert_cmpstr (td_role_to_string (42), ==, "user");
  g_assert_cmpstr (td_priority_to_string (42), ==, "normal");
  g_assert_cmpstr (td_error_code_to_string (TD_ERR_NOT_FOUND), ==, "not_found");
}

static void
test_group_type (void)
{
  const char * const members[] = { "carol", "alice", "bob", "alice", NULL };
  const char * const sorted[] = { "alice", "bob", "carol", NULL };
  const char * const no_strings[] = { NULL };
  g_autoptr(TdGroup) group = td_group_new (12, TD_GROUP_ADHOC, "Crew \"1\"", "alice", members);
  g_autoptr(TdGroup) empty = td_group_new (3, TD_GROUP_DEPARTMENT, "Sales", NULL, NULL);
  g_autofree char *json = td_group_to_json (group);
  g_autofree char *empty_json = td_group_to_json (empty);
  TdGroup *copy;

  g_assert_cmpint (td_group_get_id (group), ==, 12);
  g_assert_cmpstr (td_group_get_address (group), ==, "g:12");
  g_assert_cmpint (td_group_get_kind (group), ==, TD_GROUP_ADHOC);
  g_assert_cmpstr (td_group_get_name (group), ==, "Crew \"1\"");
  g_assert_cmpstr (td_group_get_owner (group), ==, "alice");
  /* Sorted, duplicates dropped. */
  g_assert_cmpstrv (td_group_get_members (group), sorted);
  g_assert_cmpuint (td_group_get_n_members (group), ==, 3);
  for (guint i = 0; sorted[i] != NULL; i++)
    g_assert_true (td_group_has_member (group, sorted[i]));
  g_assert_false (td_group_has_member (group, "dave"));
  g_assert_false (td_group_has_member (group, "a"));
  g_assert_false (td_group_has_member (group, "zzz"));
  g_assert_false (td_group_has_member (group, ""));
  g_assert_cmpstr (json, ==, "{\"id\":\"g:12\",\"kind\":\"group\",\"name\":\"Crew \\\"1\\\"\",\"owner\":\"alice\","
                             "\"members\":[\"alice\",\"bob\",\"carol\"]}");

  g_assert_cmpstr (td_group_get_owner (empty), ==, "");
  g_assert_cmpstrv (td_group_get_members (empty), no_strings);
  g_assert_cmpuint (td_group_get_n_members (empty), ==, 0);
  g_assert_false (td_group_has_member (empty, "alice"));
  g_assert_cmpstr (empty_json, ==, "{\"id\":\"g:3\",\"kind\":\"department\",\"name\":\"Sales\",\"owner\":\"\",\"members\":[]}");

  copy = g_boxed_copy (TD_TYPE_GROUP, group);
  g_assert_true (copy == group);
  g_boxed_free (TD_TYPE_GROUP, copy);
}

static void
test_reminder_type (void)
{
  g_autoptr(TdReminder) reminder = td_reminder_new (7, TD_REMINDER_KIND_REMINDER, "workflow", "Approval waiting",
                                                    NULL, NULL, NULL, TD_PRIORITY_URGENT,
                                                    G_GINT64_CONSTANT (1764147000123), TD_REMINDER_OPEN,
                                                    G_GINT64_CONSTANT (99), FALSE);
  g_autoptr(TdReminder) snoozed = td_reminder_with_state (reminder, TD_REMINDER_SNOOZED, 5000, TRUE);
  g_autoptr(TdReminder) done = td_reminder_with_state (snoozed, TD_REMINDER_DONE, 5000, TRUE);
  g_autofree char *json = td_reminder_to_json (reminder);
  g_autofree char *snoozed_json = td_reminder_to_json (snoozed);
  TdReminder *copy;

  g_assert_cmpstr (td_reminder_get_body (reminder), ==, "");
  g_assert_cmpstr (td_reminder_get_link (reminder), ==, "");
  g_assert_cmpstr (td_reminder_get_category (reminder), ==, "");
  /* "until" only exists while snoozed. */
  g_assert_cmpint (td_reminder_get_until (reminder), ==, 0);
  g_assert_cmpint (td_reminder_get_until (snoozed), ==, 5000);
  g_assert_cmpint (td_reminder_get_until (done), ==, 0);
  g_assert_cmpint (td_reminder_get_state (snoozed), ==, TD_REMINDER_SNOOZED);
  g_assert_true (td_reminder_get_read (snoozed));
  g_assert_false (td_reminder_get_read (reminder));
  g_assert_cmpstr (td_reminder_get_title (done), ==, "Approval waiting");
  g_assert_cmpstr (td_reminder_get_source (done), ==, "workflow");
  g_assert_cmpint (td_reminder_get_priority (done), ==, TD_PRIORITY_URGENT);
  g_assert_cmpint (td_reminder_get_time (done), ==, G_GINT64_CONSTANT (1764147000123));
  g_assert_cmpint (td_reminder_get_rid (done), ==, 7);
  g_assert_cmpstr (json, ==, "{\"rid\":7,\"kind\":\"reminder\",\"source\":\"workflow\",\"title\":\"Approval waiting\","
                             "\"body\":\"\",\"link\":\"\",\"category\":\"\",\"priority\":\"urgent\",\"time\":1764147000123,"
                             "\"state\":\"open\",\"read\":false}");
  g_assert_nonnull (strstr (snoozed_json, ",\"state\":\"snoozed\",\"until\":5000,\"read\":true}"));

  copy = g_boxed_copy (TD_TYPE_REMINDER, reminder);
  g_assert_true (copy == reminder);
  g_boxed_free (TD_TYPE_REMINDER, copy);
}

static void
test_ext_golden_values (void)
{
  g_autoptr(TdFrame) typing = golden_frame ("typing");
  g_autoptr(TdFrame) update_add = golden_frame ("group-update-add");
  g_autoptr(TdFrame) done = golden_frame ("reminder-update-done");
  g_autoptr(TdFrame) minimal = golden_frame ("announce-minimal");
  g_autoptr(TdFrame) old_history = golden_frame ("history-result");
  g_autoptr(TdFrame) reads = golden_frame ("history-reads");
  g_autoptr(TdFrame) groups = golden_frame ("groups");
  g_autoptr(TdFrame) no_reads = td_frame_new_history_result_with_reads (NULL, "bob", NULL, FALSE, NULL);
  g_autoptr(TdFrame) empty_dept = td_frame_new_announce (NULL, "t", "", "", "", TD_PRIORITY_NORMAL);
  g_autofree char *typing_json = td_frame_encode (typing, NULL);
  g_autofree char *update_json = td_frame_encode (update_add, NULL);
  g_autofree char *done_json = td_frame_encode (done, NULL);
  g_autofree char *minimal_json = td_frame_encode (minimal, NULL);
  g_autofree char *old_json = td_frame_encode (old_history, NULL);
  g_autofree char *no_reads_json = td_frame_encode (no_reads, NULL);
  g_autofree char *empty_dept_json = td_frame_encode (empty_dept, NULL);
  TdGroup *department;

  g_assert_cmpstr (typing_json, ==, "{\"type\":\"typing\",\"to\":\"bob\"}");
  g_assert_cmpstr (update_json, ==, "{\"type\":\"group_update\",\"group\":\"g:12\",\"add\":[\"dave\"]}");
  g_assert_cmpstr (done_json, ==, "{\"type\":\"reminder_update\",\"rid\":7,\"action\":\"done\"}");
  g_assert_cmpint (td_frame_get_until (done), ==, 0);
  g_assert_cmpstr (minimal_json, ==, "{\"type\":\"announce\",\"title\":\"Hello everyone\",\"priority\":\"normal\"}");
  g_assert_cmpstr (td_frame_get_body (minimal), ==, "");
  g_assert_null (td_frame_get_department (minimal));
  g_assert_cmpstr (empty_dept_json, ==, "{\"type\":\"announce\",\"title\":\"t\",\"priority\":\"normal\"}");
  /* Replies without read marks look as they did before section 12. */
  g_assert_null (strstr (old_json, "reads"));
  g_assert_cmpuint (td_frame_get_reads (old_history)->len, ==, 0);
  g_assert_cmpstr (no_reads_json, ==, "{\"type\":\"history\",\"peer\":\"bob\",\"messages\":[],\"more\":false}");
  g_assert_cmpuint (td_frame_get_reads (reads)->len, ==, 2);
  department = g_ptr_array_index (td_frame_get_groups (groups), 1);
  g_assert_cmpint (td_group_get_kind (department), ==, TD_GROUP_DEPARTMENT);
  g_assert_cmpstr (td_group_get_owner (department), ==, "");
}

/* The members of the login-path extension (docs/protocol.md 4.1, 5.2,
 * 5.3) read back as written, and what the constructors refuse. */
static void
test_login_path_values (void)
{
  g_autoptr(TdFrame) auth = golden_frame ("auth-cached");
  g_autoptr(TdFrame) plain = golden_frame ("auth-token");
  g_autoptr(TdFrame) unchanged = golden_frame ("directory-unchanged");
  g_autoptr(TdFrame) full = golden_frame ("directory-versioned");
  g_autoptr(TdFrame) old = golden_frame ("directory");
  g_autoptr(TdFrame) snap = NULL;
  g_autoptr(TdFrame) delta = NULL;
  g_autoptr(TdFrame) single = golden_frame ("presence");
  const char *snap_json = "{\"type\":\"presence\",\"snapshot\":true,\"online\":[\"bob\"],"
                          "\"away\":[\"carol\"],\"busy\":[\"dave\"]}";
  const char *delta_json = "{\"type\":\"presence\",\"online\":[\"erin\"],\"offline\":[\"bob\"]}";

  g_assert_cmpstr (td_frame_get_directory_version (auth), ==, "5f3a9c0e12b4d6a8");
  g_assert_null (td_frame_get_directory_version (plain));
  g_assert_true (td_frame_get_unchanged (unchanged));
  g_assert_cmpuint (td_frame_get_users (unchanged)->len, ==, 0);
  g_assert_cmpuint (td_frame_get_departments (unchanged)->len, ==, 2);
  g_assert_false (td_frame_get_unchanged (full));
  g_assert_cmpstr (td_frame_get_directory_version (full), ==, "5f3a9c0e12b4d6a8");
  /* Frames of older servers have no version. */
  g_assert_null (td_frame_get_directory_version (old));

  snap = td_frame_decode (snap_json, strlen (snap_json), TD_PROTO_MAX_SERVER_FRAME, NULL, NULL);
  g_assert_nonnull (snap);
  g_assert_true (td_frame_is_presence_list (snap));
  g_assert_true (td_frame_get_snapshot (snap));
  g_assert_null (td_frame_get_user (snap));
  g_assert_cmpstr (td_frame_get_presence_logins (snap, TD_PRESENCE_ONLINE)[0], ==, "bob");
  g_assert_null (td_frame_get_presence_logins (snap, TD_PRESENCE_ONLINE)[1]);
  g_assert_cmpstr (td_frame_get_presence_logins (snap, TD_PRESENCE_AWAY)[0], ==, "carol");
  g_assert_cmpstr (td_frame_get_presence_logins (snap, TD_PRESENCE_BUSY)[0], ==, "dave");
  g_assert_null (td_frame_get_presence_logins (snap, TD_PRESENCE_OFFLINE)[0]);

  delta = td_frame_decode (delta_json, strlen (delta_json), TD_PROTO_MAX_SERVER_FRAME, NULL, NULL);
  g_assert_nonnull (delta);
  g_assert_true (td_frame_is_presence_list (delta));
  g_assert_false (td_frame_get_snapshot (delta));
  g_assert_cmpstr (td_frame_get_presence_logins (delta, TD_PRESENCE_OFFLINE)[0], ==, "bob");
  g_assert_cmpstr (td_frame_get_presence_logins (delta, TD_PRESENCE_ONLINE)[0], ==, "erin");
  g_assert_null (td_frame_get_presence_logins (delta, TD_PRESENCE_AWAY)[0]);

  /* The single form stays what it was. */
  g_assert_false (td_frame_is_presence_list (single));
  g_assert_cmpstr (td_frame_get_user (single), ==, "bob");
  g_assert_null (td_frame_get_presence_logins (single, TD_PRESENCE_AWAY)[0]);

  if (g_test_undefined ())
    {
      g_test_expect_message ("td-proto", G_LOG_LEVEL_CRITICAL, "*offline*");
      g_assert_null (td_frame_new_presence_list (TRUE, NULL, NULL, NULL,
                                                 (const char * const[]) { "bob", NULL }));
      g_test_assert_expected_messages ();
    }
}

/* The GBytes form is the same text, for frames sent to many sessions. */
static void
test_encode_bytes (void)
{
  g_autoptr(TdFrame) frame = td_frame_new_presence ("bob", TD_PRESENCE_AWAY);
  g_autoptr(GBytes) bytes = td_frame_encode_bytes (frame);
  gsize len;
  g_autofree char *text = td_frame_encode (frame, &len);
  gsize size;
  const char *data = g_bytes_get_data (bytes, &size);

  g_assert_cmpuint (size, ==, len);
  g_assert_cmpmem (data, size, text, len);
  g_assert_nonnull (strstr (text, "\"away\""));
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
    "unavailable", "internal", "not_found",
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
    "read", "receipt", "typing", "group_create", "group_update", "group_leave", "groups",
    "group", "reminders", "reminder", "reminder_update", "announce", "reminder_status",
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
  g_test_add_func ("/proto/login-path-values", test_login_path_values);
  g_test_add_func ("/proto/encode-escaping", test_encode_escaping);
  g_test_add_func ("/proto/encode-bytes", test_encode_bytes);
  g_test_add_func ("/proto/error-truncated", test_error_truncated);
  g_test_add_func ("/proto/validate-login", test_validate_login);
  g_test_add_func ("/proto/validate-client-id", test_validate_client_id);
  g_test_add_func ("/proto/validate-text", test_validate_text);
  g_test_add_func ("/proto/error-codes", test_error_codes);
  g_test_add_func ("/proto/presence-strings", test_presence_strings);
  g_test_add_func ("/proto/frame-type-strings", test_frame_type_strings);
  g_test_add_func ("/proto/value-types", test_value_types);
  g_test_add_func ("/proto/frame-refcount", test_frame_refcount);
  g_test_add_func ("/proto/ext/decode-values", test_ext_decode_values);
  g_test_add_func ("/proto/ext/roles", test_ext_roles);
  g_test_add_func ("/proto/ext/list-limits", test_ext_list_limits);
  g_test_add_func ("/proto/ext/group-address", test_group_address);
  g_test_add_func ("/proto/ext/validate-reminder-fields", test_validate_reminder_fields);
  g_test_add_func ("/proto/ext/enum-strings", test_ext_enum_strings);
  g_test_add_func ("/proto/ext/group-type", test_group_type);
  g_test_add_func ("/proto/ext/reminder-type", test_reminder_type);
  g_test_add_func ("/proto/ext/golden-values", test_ext_golden_values);

  return g_test_run ();
}
