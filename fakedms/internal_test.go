package fakedms

import (
	"bytes"
	"encoding/json"
	"regexp"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	dmsapi "github.com/aws/aws-sdk-go-v2/service/databasemigrationservice"
	"github.com/aws/aws-sdk-go-v2/service/databasemigrationservice/types"
	"github.com/stretchr/testify/require"

	"github.com/minidms/minidms/dms"
)

func TestLifecyclePhase(t *testing.T) {
	t0 := time.Unix(1000, 0)
	for _, tc := range []struct {
		name  string
		l     lifecycle
		now   time.Time
		delay time.Duration
		want  string
		gone  bool
	}{
		{"created, no delay", lifecycle{created: t0}, t0, 0, "", false},
		{"created, within delay", lifecycle{created: t0}, t0.Add(time.Second), 2 * time.Second, "creating", false},
		{"created, delay over", lifecycle{created: t0}, t0.Add(2 * time.Second), 2 * time.Second, "", false},
		{"busy", lifecycle{created: t0, busy: "modifying", busyUntil: t0.Add(time.Second)}, t0, 0, "modifying", false},
		{"busy over", lifecycle{created: t0, busy: "modifying", busyUntil: t0}, t0, 0, "", false},
		{"deleting", lifecycle{created: t0, deleted: t0}, t0, time.Second, "deleting", false},
		{"deleted, no delay", lifecycle{created: t0, deleted: t0}, t0, 0, "deleting", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, tc.l.phase(tc.now, tc.delay))
			require.Equal(t, tc.gone, tc.l.gone(tc.now, tc.delay))
		})
	}
}

func TestResourceIDsAndARNs(t *testing.T) {
	id := newResourceID(nil)
	require.Regexp(t, regexp.MustCompile(`^[A-Z2-7]{26}$`), id)
	require.NotEqual(t, id, newResourceID(nil))
	require.Equal(t, "mine", newResourceID(aws.String("mine")))
	require.Equal(t, "task", arnKind("arn:aws:dms:us-east-1:000000000000:task:ABC"))
	require.Equal(t, "", arnKind("arn:aws:kinesis:us-east-1:000000000000:stream/s"))
	require.Equal(t, "", arnKind("task:ABC"))
	require.Equal(t, "ABC", resourceID("arn:aws:dms:us-east-1:000000000000:task:ABC"))
	require.Regexp(t, `^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`, uuidFrom("seed"))
	require.Equal(t, uuidFrom("seed"), uuidFrom("seed"), "stable")
}

func TestCheckpoints(t *testing.T) {
	pos := dms.Position("mysql-bin.000002:1118568:1:1118622:8591052968:mysql-bin.000002:1118376")
	cp := recoveryCheckpoint(pos)
	require.Equal(t, "checkpoint:V1#1#mysql-bin.000002:1118568:1:1118622:8591052968:mysql-bin.000002:1118376#0#0#*#0#0", cp)
	got, ok := parseCheckpoint(cp)
	require.True(t, ok)
	require.Equal(t, pos, got)
	// AWS's own layout parses the same way.
	got, ok = parseCheckpoint("checkpoint:V1#27#mysql-bin-changelog.157832:1975:-1:2002:677883278264080:mysql-bin-changelog.157832:1876#0#0#*#0#93")
	require.True(t, ok)
	require.Equal(t, dms.Position("mysql-bin-changelog.157832:1975:-1:2002:677883278264080:mysql-bin-changelog.157832:1876"), got)
	for _, bad := range []string{"mysql-bin.000002:4", "checkpoint:V1#1#x", "checkpoint:V2#1#p#0#0#*#0#0"} {
		_, ok := parseCheckpoint(bad)
		require.False(t, ok, bad)
	}

	at := time.Date(2018, 3, 8, 12, 12, 12, 0, time.UTC)
	for _, tc := range []struct {
		name    string
		pos     *string
		at      *time.Time
		wantPos dms.Position
		wantAt  time.Time
	}{
		{"native position", aws.String("mysql-bin.000024:373"), nil, "mysql-bin.000024:373", time.Time{}},
		{"checkpoint", aws.String(cp), nil, pos, time.Time{}},
		{"date as position", aws.String("2018-03-08T12:12:12"), nil, "", at},
		{"date with a space", aws.String("2018-03-08 12:12:12"), nil, "", at},
		{"CdcStartTime", nil, aws.Time(at), "", at},
		{"neither", nil, nil, "", time.Time{}},
	} {
		gotPos, gotAt := cdcStart(tc.pos, tc.at)
		require.Equal(t, tc.wantPos, gotPos, tc.name)
		require.True(t, tc.wantAt.Equal(gotAt), "%s: %v", tc.name, gotAt)
	}
}

func TestPage(t *testing.T) {
	items := make([]int, 45)
	for i := range items {
		items[i] = i
	}
	for _, tc := range []struct {
		name       string
		marker     *string
		max        *int32
		want       []int
		wantMarker *string
		err        string
	}{
		{"default", nil, nil, items, nil, ""},
		{"first page", nil, aws.Int32(20), items[:20], aws.String("20"), ""},
		{"second page", aws.String("20"), aws.Int32(20), items[20:40], aws.String("40"), ""},
		{"last page", aws.String("40"), aws.Int32(20), items[40:], nil, ""},
		{"too small", nil, aws.Int32(19), nil, nil, "InvalidParameterValueException: Invalid value 19 for MaxRecords. Must be between 20 and 100"},
		{"too big", nil, aws.Int32(101), nil, nil, "InvalidParameterValueException: Invalid value 101 for MaxRecords. Must be between 20 and 100"},
		{"bad marker", aws.String("x"), nil, nil, nil, `InvalidParameterValueException: Invalid Marker "x"`},
		{"marker past the end", aws.String("46"), nil, nil, nil, `InvalidParameterValueException: Invalid Marker "46"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, marker, err := page(items, tc.marker, tc.max, maxMaxRecords)
			if tc.err != "" {
				require.EqualError(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
			require.Equal(t, tc.wantMarker, marker)
		})
	}
}

func TestValidIdentifier(t *testing.T) {
	for _, tc := range []struct {
		id string
		ok bool
	}{
		{"a", true}, {"task-1", true}, {"A-b-C", true},
		{"", false}, {"1a", false}, {"-a", false}, {"a-", false}, {"a--b", false}, {"a_b", false}, {"a.b", false},
		{"a123456789", true}, {"a1234567890", false},
	} {
		err := validIdentifier("X", tc.id, 10)
		require.Equal(t, tc.ok, err == nil, "%q: %v", tc.id, err)
	}
}

func TestCodecTimes(t *testing.T) {
	for _, tc := range []struct {
		t    time.Time
		want string
	}{
		{time.Unix(1716491820, 0), "1716491820"},
		{time.Unix(1716491820, 123e6), "1716491820.123"},
		{time.Unix(1716491820, 100e6), "1716491820.1"},
		{time.Unix(1716491820, 999999999), "1716491820.999"},
	} {
		require.Equal(t, tc.want, formatEpoch(tc.t))
	}
	for _, tc := range []struct {
		in   string
		want time.Time
	}{
		{"1590524772.505", time.Unix(1590524772, 505e6)},
		{"1590524772", time.Unix(1590524772, 0)},
		{"1.590524772505e9", time.Unix(1590524772, 505e6)},
	} {
		got, err := parseEpoch(tc.in)
		require.NoError(t, err)
		require.WithinDuration(t, tc.want, got, time.Microsecond, tc.in)
	}
}

func TestCodecEncodeDecode(t *testing.T) {
	at := time.Unix(1716491853, 1e6).UTC()
	in := &dmsapi.CreateEndpointOutput{Endpoint: &types.Endpoint{
		EndpointArn:     aws.String("arn:aws:dms:us-east-1:000000000000:endpoint:X"),
		EndpointType:    types.ReplicationEndpointTypeValueTarget,
		Port:            aws.Int32(3306),
		KinesisSettings: &types.KinesisSettings{IncludeNullAndEmpty: aws.Bool(false), MessageFormat: types.MessageFormatValueJson},
	}}
	b, err := encodeJSON(in)
	require.NoError(t, err)
	require.Equal(t, `{"Endpoint":{"EndpointArn":"arn:aws:dms:us-east-1:000000000000:endpoint:X","EndpointType":"target","KinesisSettings":{"IncludeNullAndEmpty":false,"MessageFormat":"json"},"Port":3306}}`, string(b))

	stats := &types.ReplicationTaskStats{StartDate: aws.Time(at), TablesLoaded: 2}
	b, err = encodeJSON(stats)
	require.NoError(t, err)
	require.Equal(t, `{"ElapsedTimeMillis":0,"FullLoadProgressPercent":0,"StartDate":1716491853.001,"TablesErrored":0,"TablesLoaded":2,"TablesLoading":0,"TablesQueued":0}`, string(b))
	var back types.ReplicationTaskStats
	require.NoError(t, decodeJSON(b, &back))
	require.Equal(t, *stats, back)

	var cert dmsapi.ImportCertificateInput
	require.NoError(t, decodeJSON([]byte(`{"CertificateIdentifier":"c","CertificateWallet":"AQID"}`), &cert))
	require.Equal(t, []byte{1, 2, 3}, cert.CertificateWallet)
	require.EqualError(t, decodeJSON([]byte(`{"CertificateWallet":"!"}`), &cert), "member $.CertificateWallet: invalid base64: illegal base64 data at input byte 0")
	var tasks dmsapi.DescribeReplicationTasksInput
	require.EqualError(t, decodeJSON([]byte(`{"Filters":[{"Name":1}]}`), &tasks), "member $.Filters[0].Name: cannot use JSON number as string")
	require.EqualError(t, decodeJSON([]byte(`[]`), &tasks), "request body is not a JSON object")
	require.NoError(t, decodeJSON(nil, &tasks), "an empty body has no members")
}

func TestWriteStringEscapes(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"plain", `"plain"`},
		{`q"uote\back`, `"q\"uote\\back"`},
		{"new\nline\r\ttab", `"new\nline\r\ttab"`},
		{"\x00\x1f", `"\u0000\u001f"`},
		{"héllo 😀 <&>", `"héllo 😀 <&>"`},
		{"bad \xff utf8", `"bad \ufffd utf8"`},
		{"", `""`},
	} {
		var buf bytes.Buffer
		writeString(&buf, tt.in)
		require.Equal(t, tt.want, buf.String(), "%q", tt.in)
		var back string
		require.NoError(t, json.Unmarshal(buf.Bytes(), &back))
	}
}
