package postgresengine

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/databasemigrationservice/types"
	"github.com/stretchr/testify/require"

	"github.com/minidms/minidms/fakedms"
	"github.com/minidms/minidms/source/postgres"
)

func TestTaskSlotName(t *testing.T) {
	for _, tc := range []struct{ id, want string }{
		{"2PVREMWNPGYJCVU2IBPTOYTIV4", "minidms_2pvremwnpgyjcvu2ibptoytiv4"},
		{"cdc-task-1", "minidms_cdc_task_1"},
		{"serv-res-id-1722361971936-abcd", "minidms_serv_res_id_1722361971936_abcd"}, // a serverless replication's
		{"A001NYMR4Z0NK45ZBJT6954RNMGEKL2PQ9XQYR4", "minidms_a001nymr4z0nk45zbjt6954rnmgekl2pq9xqyr4"},
		{"Ünïcode.ID", "minidms__n_code_id"},
		{"X234567890123456789012345678901234567890123456789012345678901234567890", "minidms_x234567890123456789012345678901234567890123456789012345"},
	} {
		got := taskSlotName(tc.id)
		require.Equal(t, tc.want, got, tc.id)
		require.LessOrEqual(t, len(got), 63)
	}
}

func TestPostgresSourceSettings(t *testing.T) {
	ep := func(e types.Endpoint, taskID string) fakedms.SourceEndpoint {
		e.EndpointIdentifier = aws.String("pg")
		return fakedms.SourceEndpoint{Endpoint: e, Password: "top", TaskID: taskID}
	}
	src, err := newSource(ep(types.Endpoint{ServerName: aws.String("db"), DatabaseName: aws.String("app")}, "CDC-TASK"))
	require.NoError(t, err)
	slot, err := src.(*postgres.Source).SlotName()
	require.NoError(t, err)
	require.Equal(t, "minidms_cdc_task", slot, "derived from the task")

	src, err = newSource(ep(types.Endpoint{ServerName: aws.String("db"), DatabaseName: aws.String("app"),
		PostgreSQLSettings: &types.PostgreSQLSettings{SlotName: aws.String("mine")}}, "CDC-TASK"))
	require.NoError(t, err)
	slot, err = src.(*postgres.Source).SlotName()
	require.NoError(t, err)
	require.Equal(t, "mine", slot, "SlotName wins")

	src, err = newSource(ep(types.Endpoint{ServerName: aws.String("db"), DatabaseName: aws.String("app")}, ""))
	require.NoError(t, err)
	slot, err = src.(*postgres.Source).SlotName()
	require.NoError(t, err)
	require.Equal(t, "minidms_app", slot, "a connection test has no task: the source's default")

	for _, tc := range []struct {
		name string
		ep   types.Endpoint
		err  string
	}{
		{"no server", types.Endpoint{DatabaseName: aws.String("app")}, "endpoint pg: no ServerName"},
		{"no database", types.Endpoint{ServerName: aws.String("db")}, "endpoint pg: no DatabaseName: a PostgreSQL endpoint names its database"},
		{"bad port", types.Endpoint{ServerName: aws.String("db"), DatabaseName: aws.String("app"), Port: aws.Int32(70000)}, "endpoint pg: Port 70000 is out of range"},
		{"secret", types.Endpoint{PostgreSQLSettings: &types.PostgreSQLSettings{SecretsManagerSecretId: aws.String("s")}},
			"endpoint pg: PostgreSqlSettings.SecretsManagerSecretId is not supported by fakedms: give ServerName, Port, Username, Password and DatabaseName"},
	} {
		_, err := newSource(ep(tc.ep, "CDC-TASK"))
		require.EqualError(t, err, tc.err, tc.name)
	}
}
