package fakedms

// Connections: TestConnection (which really connects), DescribeConnections,
// DeleteConnection.

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	dmsapi "github.com/aws/aws-sdk-go-v2/service/databasemigrationservice"
	"github.com/aws/aws-sdk-go-v2/service/databasemigrationservice/types"

	"github.com/minidms/minidms/mapping"
)

// connectionTimeout bounds one connection test.
const connectionTimeout = 30 * time.Second

// checker is implemented by sources that can verify their server
// (source/mysql checks the CDC prerequisites too).
type checker interface {
	Check(ctx context.Context) error
}

// probe returns the connection test of an endpoint: the source's Check
// (or a listing of its tables), the target's own probe (Kinesis:
// DescribeStreamSummary of the stream).
func (h *Handler) probe(e *endpoint) func(ctx context.Context) error {
	w := h.wiring()
	engine := aws.ToString(e.ep.EngineName)
	fail := func(err error) func(context.Context) error {
		return func(context.Context) error { return err }
	}
	if strings.EqualFold(string(e.ep.EndpointType), "source") {
		newSource, ok := h.sources[engine]
		if !ok {
			return fail(errors.New(noSourceEngine(engine, "connect to")))
		}
		src, err := newSource(e, w)
		if err != nil {
			return fail(err)
		}
		if c, ok := src.(checker); ok {
			return c.Check
		}
		return func(ctx context.Context) error {
			_, err := src.Tables(ctx, mapping.SelectAll())
			return err
		}
	}
	newTarget, ok := targetFactories()[engine]
	if !ok {
		return fail(fmt.Errorf("fakedms cannot connect to a %s target", engine))
	}
	_, p, err := newTarget(e, w)
	if err != nil {
		return fail(err)
	}
	return p
}

func (h *Handler) testConnection(_ context.Context, in *dmsapi.TestConnectionInput) (*dmsapi.TestConnectionOutput, error) {
	now := h.lock()
	ri, err := h.instanceLocked(in.ReplicationInstanceArn)
	if err != nil {
		h.unlock()
		return nil, err
	}
	e, err := h.endpointLocked(in.EndpointArn)
	if err != nil {
		h.unlock()
		return nil, err
	}
	key := connKey{endpointArn: *in.EndpointArn, instanceArn: *in.ReplicationInstanceArn}
	if c, ok := h.st.connections[key]; ok && c.status(now, h.cfg.stateDelay) == "testing" {
		h.unlock()
		return nil, invalidState("A test of the connection between %s and %s is already in progress", c.endpointIdentifier, c.instanceIdentifier)
	}
	c := &connection{
		started:            now,
		endpointIdentifier: aws.ToString(e.ep.EndpointIdentifier),
		instanceIdentifier: aws.ToString(ri.ri.ReplicationInstanceIdentifier),
	}
	h.st.connections[key] = c
	check := h.probe(e)
	view := connectionView(key, c, "testing")
	h.unlock()

	h.goBackground(func(ctx context.Context) {
		ctx, cancel := context.WithTimeout(ctx, connectionTimeout)
		defer cancel()
		err := check(ctx)
		h.lock()
		defer h.unlock()
		c.finished = true
		if err != nil {
			c.failure = err.Error()
		}
	})
	return &dmsapi.TestConnectionOutput{Connection: view}, nil
}

func connectionView(k connKey, c *connection, status string) *types.Connection {
	return &types.Connection{
		EndpointArn:                   aws.String(k.endpointArn),
		EndpointIdentifier:            aws.String(c.endpointIdentifier),
		LastFailureMessage:            stringPtr(c.failure),
		ReplicationInstanceArn:        aws.String(k.instanceArn),
		ReplicationInstanceIdentifier: aws.String(c.instanceIdentifier),
		Status:                        aws.String(status),
	}
}

func connectionFilters() filterFields[types.Connection] {
	return filterFields[types.Connection]{
		"endpoint-arn":             func(c types.Connection) []string { return []string{aws.ToString(c.EndpointArn)} },
		"replication-instance-arn": func(c types.Connection) []string { return []string{aws.ToString(c.ReplicationInstanceArn)} },
	}
}

func (h *Handler) describeConnections(_ context.Context, in *dmsapi.DescribeConnectionsInput) (*dmsapi.DescribeConnectionsOutput, error) {
	now := h.lock()
	all := []types.Connection{}
	for k, c := range h.st.connections {
		all = append(all, *connectionView(k, c, c.status(now, h.cfg.stateDelay)))
	}
	h.unlock()
	slices.SortFunc(all, func(a, b types.Connection) int {
		return strings.Compare(*a.EndpointIdentifier+" "+*a.ReplicationInstanceIdentifier, *b.EndpointIdentifier+" "+*b.ReplicationInstanceIdentifier)
	})
	matched, err := connectionFilters().match(all, in.Filters, false)
	if err != nil {
		return nil, err
	}
	pg, marker, err := page(matched, in.Marker, in.MaxRecords, maxMaxRecords)
	if err != nil {
		return nil, err
	}
	if pg == nil {
		pg = []types.Connection{}
	}
	return &dmsapi.DescribeConnectionsOutput{Connections: pg, Marker: marker}, nil
}

func (h *Handler) deleteConnection(_ context.Context, in *dmsapi.DeleteConnectionInput) (*dmsapi.DeleteConnectionOutput, error) {
	if err := required("EndpointArn", in.EndpointArn); err != nil {
		return nil, err
	}
	if err := required("ReplicationInstanceArn", in.ReplicationInstanceArn); err != nil {
		return nil, err
	}
	now := h.lock()
	defer h.unlock()
	key := connKey{endpointArn: *in.EndpointArn, instanceArn: *in.ReplicationInstanceArn}
	c, ok := h.st.connections[key]
	if !ok {
		return nil, notFound("Connection between %s and %s not found", *in.EndpointArn, *in.ReplicationInstanceArn)
	}
	if c.status(now, h.cfg.stateDelay) == "testing" {
		return nil, invalidState("The connection between %s and %s is being tested", c.endpointIdentifier, c.instanceIdentifier)
	}
	delete(h.st.connections, key)
	return &dmsapi.DeleteConnectionOutput{Connection: connectionView(key, c, "deleting")}, nil
}
