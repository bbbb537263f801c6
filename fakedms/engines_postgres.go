package fakedms

// PostgreSQL source endpoints: EngineName postgres and aurora-postgresql
// become source/postgres sources, one replication slot per task.

import (
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/minidms/minidms/dms"
	"github.com/minidms/minidms/source/postgres"
)

// newPostgresSource reads the connection from the endpoint,
// PostgreSQLSettings taking precedence (as AWS does when both are given),
// and the settings source/postgres honours: SlotName, PluginName,
// CaptureDdls, DdlArtifactsSchema, HeartbeatEnable and HeartbeatFrequency
// (minutes, as on AWS). A task without SlotName gets the slot
// taskSlotName(task id); the publication is named after the slot and,
// like the slot, dropped when the task is deleted. PluginName is checked
// by the source: test-decoding and pglogical fail the connection test and
// the task's start with the source's error.
func newPostgresSource(e *endpoint, w wiring) (dms.Source, error) {
	ep := &e.ep
	id := aws.ToString(ep.EndpointIdentifier)
	host, port, user, pass, db := aws.ToString(ep.ServerName), aws.ToInt32(ep.Port), aws.ToString(ep.Username), e.password, aws.ToString(ep.DatabaseName)
	cfg := postgres.Config{Logger: w.log}
	if s := ep.PostgreSQLSettings; s != nil {
		host = firstNonEmpty(aws.ToString(s.ServerName), host)
		if s.Port != nil {
			port = *s.Port
		}
		user = firstNonEmpty(aws.ToString(s.Username), user)
		pass = firstNonEmpty(aws.ToString(s.Password), pass)
		db = firstNonEmpty(aws.ToString(s.DatabaseName), db)
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
	if cfg.SlotName == "" && w.taskID != "" {
		cfg.SlotName = taskSlotName(w.taskID)
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
