// Package postgresengine gives a fakedms server its PostgreSQL and Aurora
// PostgreSQL source endpoints (EngineName postgres and aurora-postgresql),
// read by source/postgres through logical replication:
//
//	srv := fakedms.NewServer(fakedms.WithSourceEngine(postgresengine.Source()))
//
// An endpoint connects with ServerName, Port, Username, Password and
// DatabaseName, PostgreSQLSettings' own taking precedence, as AWS does
// when both are given; of its settings SlotName, PluginName, CaptureDdls,
// DdlArtifactsSchema, HeartbeatEnable and HeartbeatFrequency (minutes, as
// on AWS) apply. A task without SlotName reads from the slot "minidms_" +
// its resource id (the ARN's last segment) in lower case, characters other
// than a-z, 0-9 and _ made _, at most 63 characters; the publication has
// the slot's name. Deleting the task drops both (the source's DropSlot),
// as AWS DMS drops a task's slot.
//
// It is a package of its own so that a program using fakedms without a
// PostgreSQL source does not link pgx and pglogrepl.
package postgresengine

import (
	"cmp"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/minidms/minidms/dms"
	"github.com/minidms/minidms/fakedms"
	"github.com/minidms/minidms/source/postgres"
)

// Source is the engine of EngineName postgres and aurora-postgresql.
func Source() fakedms.SourceEngine {
	return fakedms.SourceEngine{Names: []string{"postgres", "aurora-postgresql"}, New: newSource}
}

// newSource does no I/O: PluginName is checked by the source, so
// test-decoding and pglogical fail the connection test and the task's
// start with the source's error, where AWS would use them.
func newSource(e fakedms.SourceEndpoint) (dms.Source, error) {
	ep := &e.Endpoint
	id := aws.ToString(ep.EndpointIdentifier)
	host, port, user, pass, db := aws.ToString(ep.ServerName), aws.ToInt32(ep.Port), aws.ToString(ep.Username), e.Password, aws.ToString(ep.DatabaseName)
	cfg := postgres.Config{Logger: e.Logger}
	if s := ep.PostgreSQLSettings; s != nil {
		host = cmp.Or(aws.ToString(s.ServerName), host)
		if s.Port != nil {
			port = *s.Port
		}
		user = cmp.Or(aws.ToString(s.Username), user)
		pass = cmp.Or(aws.ToString(s.Password), pass)
		db = cmp.Or(aws.ToString(s.DatabaseName), db)
		if s.SecretsManagerSecretId != nil && host == "" {
			return nil, fmt.Errorf("endpoint %s: PostgreSqlSettings.SecretsManagerSecretId is not supported by fakedms: give ServerName, Port, Username, Password and DatabaseName", id)
		}
		cfg.SlotName = aws.ToString(s.SlotName)
		cfg.PluginName = string(s.PluginName)
		cfg.CaptureDdls = s.CaptureDdls
		cfg.DdlArtifactsSchema = aws.ToString(s.DdlArtifactsSchema)
		cfg.HeartbeatEnable = aws.ToBool(s.HeartbeatEnable)
		if s.HeartbeatFrequency != nil && *s.HeartbeatFrequency > 0 {
			cfg.HeartbeatFrequency = time.Duration(*s.HeartbeatFrequency) * time.Minute
		}
	}
	if host == "" {
		return nil, fmt.Errorf("endpoint %s: no ServerName", id)
	}
	if db == "" {
		return nil, fmt.Errorf("endpoint %s: no DatabaseName: a PostgreSQL endpoint names its database", id)
	}
	if port < 0 || port > 65535 {
		return nil, fmt.Errorf("endpoint %s: Port %d is out of range", id, port)
	}
	if cfg.SlotName == "" && e.TaskID != "" {
		cfg.SlotName = taskSlotName(e.TaskID)
	}
	cfg.Host, cfg.Port, cfg.User, cfg.Password, cfg.Database = host, uint16(port), user, pass, db
	return postgres.New(cfg), nil
}

// taskSlotName is the replication slot (and publication) of a task whose
// endpoint names none: "minidms_" and the task's resource id (the last
// segment of its ARN) in lower case, every character other than a-z, 0-9
// and _ replaced by _, at most 63 characters (PostgreSQL's limit), so
// arn:aws:dms:us-east-1:000000000000:task:2PVREMWNPGYJCVU2IBPTOYTIV4 reads
// from the slot minidms_2pvremwnpgyjcvu2ibptoytiv4 and ResourceIdentifier
// cdc-task-1 gives minidms_cdc_task_1.
func taskSlotName(taskID string) string {
	var b strings.Builder
	b.WriteString("minidms_")
	for _, r := range strings.ToLower(taskID) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	s := b.String()
	return s[:min(len(s), 63)]
}
