// Package mysqlengine gives a fakedms server its MySQL, MariaDB and Aurora
// MySQL source endpoints (EngineName mysql, mariadb and aurora), read by
// source/mysql:
//
//	srv := fakedms.NewServer(fakedms.WithSourceEngine(mysqlengine.Source()))
//
// An endpoint connects with ServerName, Port (default 3306), Username and
// Password, MySQLSettings' own taking precedence, as AWS does when both
// are given. SecretsManagerSecretId is not supported: the endpoint must
// name its server.
//
// It is a package of its own so that a program using fakedms without a
// MySQL source does not link go-mysql and the TiDB SQL parser.
package mysqlengine

import (
	"cmp"
	"fmt"
	"net"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/minidms/minidms/dms"
	"github.com/minidms/minidms/fakedms"
	"github.com/minidms/minidms/source/mysql"
)

// Source is the engine of EngineName mysql, mariadb and aurora.
func Source() fakedms.SourceEngine {
	return fakedms.SourceEngine{Names: []string{"mysql", "mariadb", "aurora"}, New: newSource}
}

func newSource(e fakedms.SourceEndpoint) (dms.Source, error) {
	ep := &e.Endpoint
	host, port, user, pass := aws.ToString(ep.ServerName), aws.ToInt32(ep.Port), aws.ToString(ep.Username), e.Password
	if s := ep.MySQLSettings; s != nil {
		host = cmp.Or(aws.ToString(s.ServerName), host)
		if s.Port != nil {
			port = *s.Port
		}
		user = cmp.Or(aws.ToString(s.Username), user)
		pass = cmp.Or(aws.ToString(s.Password), pass)
		if s.SecretsManagerSecretId != nil && host == "" {
			return nil, fmt.Errorf("endpoint %s: MySqlSettings.SecretsManagerSecretId is not supported by fakedms: give ServerName, Port, Username and Password", aws.ToString(ep.EndpointIdentifier))
		}
	}
	if host == "" {
		return nil, fmt.Errorf("endpoint %s: no ServerName", aws.ToString(ep.EndpointIdentifier))
	}
	if port == 0 {
		port = 3306
	}
	return mysql.New(mysql.Config{
		Addr:     net.JoinHostPort(host, strconv.Itoa(int(port))),
		User:     user,
		Password: pass,
		Logger:   e.Logger,
	}), nil
}
