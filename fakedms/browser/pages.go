package browser

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	dmsapi "github.com/aws/aws-sdk-go-v2/service/databasemigrationservice"
	"github.com/aws/aws-sdk-go-v2/service/databasemigrationservice/types"

	"github.com/minidms/minidms/fakedms/fakekinesis"
)

// The calls the pages are made of.

func (b *Browser) instances(ctx context.Context) ([]types.ReplicationInstance, error) {
	return list(ctx, &dmsapi.DescribeReplicationInstancesInput{},
		func(in *dmsapi.DescribeReplicationInstancesInput) **string { return &in.Marker },
		b.dms.DescribeReplicationInstances,
		func(o *dmsapi.DescribeReplicationInstancesOutput) ([]types.ReplicationInstance, *string) {
			return o.ReplicationInstances, o.Marker
		})
}

func (b *Browser) endpoints(ctx context.Context) ([]types.Endpoint, error) {
	return list(ctx, &dmsapi.DescribeEndpointsInput{},
		func(in *dmsapi.DescribeEndpointsInput) **string { return &in.Marker },
		b.dms.DescribeEndpoints,
		func(o *dmsapi.DescribeEndpointsOutput) ([]types.Endpoint, *string) { return o.Endpoints, o.Marker })
}

func (b *Browser) connections(ctx context.Context) ([]types.Connection, error) {
	return list(ctx, &dmsapi.DescribeConnectionsInput{},
		func(in *dmsapi.DescribeConnectionsInput) **string { return &in.Marker },
		b.dms.DescribeConnections,
		func(o *dmsapi.DescribeConnectionsOutput) ([]types.Connection, *string) {
			return o.Connections, o.Marker
		})
}

func (b *Browser) tasks(ctx context.Context, filters ...types.Filter) ([]types.ReplicationTask, error) {
	return list(ctx, &dmsapi.DescribeReplicationTasksInput{Filters: filters, WithoutSettings: aws.Bool(len(filters) == 0)},
		func(in *dmsapi.DescribeReplicationTasksInput) **string { return &in.Marker },
		b.dms.DescribeReplicationTasks,
		func(o *dmsapi.DescribeReplicationTasksOutput) ([]types.ReplicationTask, *string) {
			return o.ReplicationTasks, o.Marker
		})
}

func (b *Browser) tableStatistics(ctx context.Context, arn *string) ([]types.TableStatistics, error) {
	return list(ctx, &dmsapi.DescribeTableStatisticsInput{ReplicationTaskArn: arn, MaxRecords: aws.Int32(500)},
		func(in *dmsapi.DescribeTableStatisticsInput) **string { return &in.Marker },
		b.dms.DescribeTableStatistics,
		func(o *dmsapi.DescribeTableStatisticsOutput) ([]types.TableStatistics, *string) {
			return o.TableStatistics, o.Marker
		})
}

func (b *Browser) replicationConfigs(ctx context.Context) ([]types.ReplicationConfig, error) {
	return list(ctx, &dmsapi.DescribeReplicationConfigsInput{},
		func(in *dmsapi.DescribeReplicationConfigsInput) **string { return &in.Marker },
		b.dms.DescribeReplicationConfigs,
		func(o *dmsapi.DescribeReplicationConfigsOutput) ([]types.ReplicationConfig, *string) {
			return o.ReplicationConfigs, o.Marker
		})
}

func (b *Browser) replications(ctx context.Context) ([]types.Replication, error) {
	return list(ctx, &dmsapi.DescribeReplicationsInput{},
		func(in *dmsapi.DescribeReplicationsInput) **string { return &in.Marker },
		b.dms.DescribeReplications,
		func(o *dmsapi.DescribeReplicationsOutput) ([]types.Replication, *string) {
			return o.Replications, o.Marker
		})
}

// tags gives the tags of the resources by ARN, in one call.
func (b *Browser) tags(ctx context.Context, arns []string) (map[string][]types.Tag, error) {
	if len(arns) == 0 {
		return nil, nil
	}
	out, err := b.dms.ListTagsForResource(ctx, &dmsapi.ListTagsForResourceInput{ResourceArnList: arns})
	if err != nil {
		return nil, err
	}
	m := map[string][]types.Tag{}
	for _, t := range out.TagList {
		m[aws.ToString(t.ResourceArn)] = append(m[aws.ToString(t.ResourceArn)], t)
	}
	return m, nil
}

// parseTags reads "key=value" lines.
func parseTags(text string) ([]types.Tag, error) {
	var tags []types.Tag
	for line := range strings.Lines(text) {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			return nil, fmt.Errorf("tag %q: want key=value, one per line", line)
		}
		tags = append(tags, types.Tag{Key: aws.String(strings.TrimSpace(k)), Value: aws.String(strings.TrimSpace(v))})
	}
	return tags, nil
}

func optional(s string) *string {
	if s = strings.TrimSpace(s); s == "" {
		return nil
	}
	return aws.String(s)
}

// Overview.

type overviewData struct {
	Instances, Endpoints, Tasks, Streams, Replications int
	Running                                            int
	Kinesis, Serverless                                bool
}

func (b *Browser) overview(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	var d overviewData
	var errs []string
	if v, err := b.instances(ctx); err != nil {
		errs = append(errs, message(err))
	} else {
		d.Instances = len(v)
	}
	if v, err := b.endpoints(ctx); err != nil {
		errs = append(errs, message(err))
	} else {
		d.Endpoints = len(v)
	}
	if v, err := b.tasks(ctx); err != nil {
		errs = append(errs, message(err))
	} else {
		d.Tasks = len(v)
		for _, t := range v {
			if aws.ToString(t.Status) == "running" {
				d.Running++
			}
		}
	}
	if v, err := b.replications(ctx); err == nil {
		d.Serverless, d.Replications = true, len(v)
	} else if errorCode(err) != "UnknownOperationException" {
		errs = append(errs, message(err))
	}
	if b.opts.Kinesis != nil {
		d.Kinesis = true
		d.Streams = len(b.opts.Kinesis.StreamNames())
	}
	b.render(w, r, http.StatusOK, "overview", &page{Title: "minidms", Nav: "overview", Error: strings.Join(errs, "; "), Data: d})
}

// Replication instances.

type instancesData struct {
	Instances []types.ReplicationInstance
	Tags      map[string][]types.Tag
	Form      url.Values
	FormError string
}

func (b *Browser) instancesPage(w http.ResponseWriter, r *http.Request) {
	b.renderInstances(w, r, http.StatusOK, nil, "", "")
}

func (b *Browser) renderInstances(w http.ResponseWriter, r *http.Request, status int, form url.Values, formErr, banner string) {
	ctx := r.Context()
	d := instancesData{Form: form, FormError: formErr}
	if d.Form == nil {
		d.Form = url.Values{"class": {"dms.t3.micro"}}
	}
	var err error
	if d.Instances, err = b.instances(ctx); err != nil {
		banner = message(err)
	}
	var arns []string
	refresh := 0
	for _, ri := range d.Instances {
		arns = append(arns, aws.ToString(ri.ReplicationInstanceArn))
		if s := aws.ToString(ri.ReplicationInstanceStatus); s != "available" && s != "failed" {
			refresh = 2
		}
	}
	if d.Tags, err = b.tags(ctx, arns); err != nil {
		banner = message(err)
	}
	b.render(w, r, status, "instances", &page{Title: "Replication instances", Nav: "instances", Error: banner, Refresh: refresh, Data: d})
}

func (b *Browser) createInstance(w http.ResponseWriter, r *http.Request) {
	tags, err := parseTags(r.PostFormValue("tags"))
	if err != nil {
		b.renderInstances(w, r, http.StatusBadRequest, r.PostForm, err.Error(), "")
		return
	}
	in := &dmsapi.CreateReplicationInstanceInput{
		ReplicationInstanceIdentifier: aws.String(strings.TrimSpace(r.PostFormValue("identifier"))),
		ReplicationInstanceClass:      aws.String(strings.TrimSpace(r.PostFormValue("class"))),
		EngineVersion:                 optional(r.PostFormValue("engine_version")),
		Tags:                          tags,
	}
	if _, err := b.dms.CreateReplicationInstance(r.Context(), in); err != nil {
		b.renderInstances(w, r, http.StatusBadRequest, r.PostForm, message(err), "")
		return
	}
	redirect(w, r, Prefix+"instances")
}

func (b *Browser) deleteInstance(w http.ResponseWriter, r *http.Request) {
	if _, err := b.dms.DeleteReplicationInstance(r.Context(), &dmsapi.DeleteReplicationInstanceInput{
		ReplicationInstanceArn: aws.String(r.PostFormValue("arn")),
	}); err != nil {
		b.renderInstances(w, r, http.StatusBadRequest, nil, "", message(err))
		return
	}
	redirect(w, r, Prefix+"instances")
}

// Endpoints and connections.

type endpointsData struct {
	Endpoints   []types.Endpoint
	Tags        map[string][]types.Tag
	Connections []types.Connection
	Instances   []types.ReplicationInstance
	StreamArns  []string
	Engines     []string
	Form        url.Values
	FormError   string
}

// engines are the engine names the create form offers (the API knows which
// it accepts).
var engines = []string{"mysql", "mariadb", "aurora", "postgres", "aurora-postgresql", "s3", "kinesis", "kafka", "dynamodb"}

func (b *Browser) endpointsPage(w http.ResponseWriter, r *http.Request) {
	b.renderEndpoints(w, r, http.StatusOK, nil, "", "")
}

func (b *Browser) renderEndpoints(w http.ResponseWriter, r *http.Request, status int, form url.Values, formErr, banner string) {
	ctx := r.Context()
	d := endpointsData{Form: form, FormError: formErr, Engines: engines}
	if d.Form == nil {
		d.Form = url.Values{"type": {"source"}, "engine": {"mariadb"}, "message_format": {"json"}}
	}
	var errs []string
	note := func(err error) {
		if err != nil {
			errs = append(errs, message(err))
		}
	}
	var err error
	d.Endpoints, err = b.endpoints(ctx)
	note(err)
	d.Connections, err = b.connections(ctx)
	note(err)
	d.Instances, err = b.instances(ctx)
	note(err)
	var arns []string
	for _, e := range d.Endpoints {
		arns = append(arns, aws.ToString(e.EndpointArn))
	}
	d.Tags, err = b.tags(ctx, arns)
	note(err)
	if b.opts.Kinesis != nil {
		for _, name := range b.opts.Kinesis.StreamNames() {
			d.StreamArns = append(d.StreamArns, fmt.Sprintf("arn:aws:kinesis:%s:%s:stream/%s", b.opts.Region, b.opts.Account, name))
		}
	}
	refresh := 0
	for _, c := range d.Connections {
		if aws.ToString(c.Status) == "testing" {
			refresh = 1
		}
	}
	if banner != "" {
		errs = append([]string{banner}, errs...)
	}
	b.render(w, r, status, "endpoints", &page{Title: "Endpoints", Nav: "endpoints", Error: strings.Join(errs, "; "), Refresh: refresh, Data: d})
}

func (b *Browser) createEndpoint(w http.ResponseWriter, r *http.Request) {
	f := r.PostForm
	tags, err := parseTags(f.Get("tags"))
	if err != nil {
		b.renderEndpoints(w, r, http.StatusBadRequest, f, err.Error(), "")
		return
	}
	in := &dmsapi.CreateEndpointInput{
		EndpointIdentifier:        aws.String(strings.TrimSpace(f.Get("identifier"))),
		EndpointType:              types.ReplicationEndpointTypeValue(f.Get("type")),
		EngineName:                aws.String(f.Get("engine")),
		ServerName:                optional(f.Get("server")),
		Username:                  optional(f.Get("username")),
		DatabaseName:              optional(f.Get("database")),
		ExtraConnectionAttributes: optional(f.Get("extra")),
		Tags:                      tags,
	}
	if p := f.Get("password"); p != "" {
		in.Password = aws.String(p)
	}
	if p := strings.TrimSpace(f.Get("port")); p != "" {
		n, err := strconv.ParseInt(p, 10, 32)
		if err != nil {
			b.renderEndpoints(w, r, http.StatusBadRequest, f, fmt.Sprintf("port %q is not a number", p), "")
			return
		}
		in.Port = aws.Int32(int32(n))
	}
	if aws.ToString(in.EngineName) == "kinesis" {
		in.KinesisSettings = &types.KinesisSettings{
			StreamArn:            optional(f.Get("stream_arn")),
			MessageFormat:        types.MessageFormatValue(f.Get("message_format")),
			ServiceAccessRoleArn: optional(f.Get("role_arn")),
		}
	}
	if doc := strings.TrimSpace(f.Get("input")); doc != "" {
		// More members of CreateEndpointInput (S3Settings,
		// PostgreSQLSettings, …), over the fields above. The SDK's
		// structs have no json tags; their field names are the member names.
		dec := json.NewDecoder(strings.NewReader(doc))
		dec.DisallowUnknownFields()
		if err := dec.Decode(in); err != nil {
			b.renderEndpoints(w, r, http.StatusBadRequest, f, "More settings: not a JSON object of CreateEndpointInput members: "+err.Error(), "")
			return
		}
	}
	if _, err := b.dms.CreateEndpoint(r.Context(), in); err != nil {
		b.renderEndpoints(w, r, http.StatusBadRequest, f, message(err), "")
		return
	}
	redirect(w, r, Prefix+"endpoints")
}

func (b *Browser) deleteEndpoint(w http.ResponseWriter, r *http.Request) {
	if _, err := b.dms.DeleteEndpoint(r.Context(), &dmsapi.DeleteEndpointInput{EndpointArn: aws.String(r.PostFormValue("arn"))}); err != nil {
		b.renderEndpoints(w, r, http.StatusBadRequest, nil, "", message(err))
		return
	}
	redirect(w, r, Prefix+"endpoints")
}

func (b *Browser) testConnection(w http.ResponseWriter, r *http.Request) {
	if _, err := b.dms.TestConnection(r.Context(), &dmsapi.TestConnectionInput{
		EndpointArn:            aws.String(r.PostFormValue("arn")),
		ReplicationInstanceArn: aws.String(r.PostFormValue("instance")),
	}); err != nil {
		b.renderEndpoints(w, r, http.StatusBadRequest, nil, "", message(err))
		return
	}
	redirect(w, r, Prefix+"endpoints") // no fragment: Chromium does not meta-refresh a URL with one
}

// Replication tasks.

type tasksData struct {
	Tasks     []types.ReplicationTask
	Sources   []types.Endpoint
	Targets   []types.Endpoint
	Instances []types.ReplicationInstance
	Names     map[string]string // identifiers of endpoints and instances by ARN
	Form      url.Values
	// FormError is the API's message of a failed create; FieldError names
	// the field it is about (mappings, settings, tags), "" for the form.
	FormError, FieldError string
}

const defaultMappings = `{
  "rules": [
    {
      "rule-type": "selection",
      "rule-id": "1",
      "rule-name": "all",
      "object-locator": {"schema-name": "%", "table-name": "%"},
      "rule-action": "include"
    }
  ]
}`

func (b *Browser) tasksPage(w http.ResponseWriter, r *http.Request) {
	b.renderTasks(w, r, http.StatusOK, nil, "", "")
}

func (b *Browser) names(ctx context.Context) (eps []types.Endpoint, ris []types.ReplicationInstance, names map[string]string, errs []string) {
	names = map[string]string{}
	eps, err := b.endpoints(ctx)
	if err != nil {
		errs = append(errs, message(err))
	}
	ris, err = b.instances(ctx)
	if err != nil {
		errs = append(errs, message(err))
	}
	for _, e := range eps {
		names[aws.ToString(e.EndpointArn)] = aws.ToString(e.EndpointIdentifier)
	}
	for _, ri := range ris {
		names[aws.ToString(ri.ReplicationInstanceArn)] = aws.ToString(ri.ReplicationInstanceIdentifier)
	}
	return eps, ris, names, errs
}

func (b *Browser) renderTasks(w http.ResponseWriter, r *http.Request, status int, form url.Values, formErr, banner string) {
	ctx := r.Context()
	d := tasksData{Form: form, FormError: formErr, FieldError: fieldOf(formErr)}
	if d.Form == nil {
		d.Form = url.Values{"migration_type": {"full-load"}, "mappings": {defaultMappings}}
	}
	eps, ris, names, errs := b.names(ctx)
	d.Instances, d.Names = ris, names
	for _, e := range eps {
		if strings.EqualFold(string(e.EndpointType), string(types.ReplicationEndpointTypeValueSource)) {
			d.Sources = append(d.Sources, e)
		} else {
			d.Targets = append(d.Targets, e)
		}
	}
	var err error
	if d.Tasks, err = b.tasks(ctx); err != nil {
		errs = append(errs, message(err))
	}
	if banner != "" {
		errs = append([]string{banner}, errs...)
	}
	// No refresh here: a running CDC task would reload the page, and lose
	// what is typed in the form, forever. A task's own page is live.
	b.render(w, r, status, "tasks", &page{Title: "Replication tasks", Nav: "tasks", Error: strings.Join(errs, "; "), Data: d})
}

// settled says a task in this status does not change by itself.
func settled(status string) bool {
	switch status {
	case "ready", "stopped", "failed":
		return true
	}
	return false
}

// fieldOf says which field of the task form an API message is about.
func fieldOf(msg string) string {
	m := strings.ToLower(msg)
	switch {
	case msg == "":
		return ""
	case strings.Contains(m, "table mappings") || strings.Contains(m, "tablemappings") || strings.Contains(m, "mapping rules"):
		return "mappings"
	case strings.Contains(m, "task settings") || strings.Contains(m, "replicationtasksettings"):
		return "settings"
	case strings.HasPrefix(m, "tag "):
		return "tags"
	}
	return ""
}

func (b *Browser) createTask(w http.ResponseWriter, r *http.Request) {
	f := r.PostForm
	tags, err := parseTags(f.Get("tags"))
	if err != nil {
		b.renderTasks(w, r, http.StatusBadRequest, f, err.Error(), "")
		return
	}
	in := &dmsapi.CreateReplicationTaskInput{
		ReplicationTaskIdentifier: aws.String(strings.TrimSpace(f.Get("identifier"))),
		SourceEndpointArn:         aws.String(f.Get("source")),
		TargetEndpointArn:         aws.String(f.Get("target")),
		ReplicationInstanceArn:    aws.String(f.Get("instance")),
		MigrationType:             types.MigrationTypeValue(f.Get("migration_type")),
		TableMappings:             aws.String(f.Get("mappings")),
		ReplicationTaskSettings:   optional(f.Get("settings")),
		Tags:                      tags,
	}
	out, err := b.dms.CreateReplicationTask(r.Context(), in)
	if err != nil {
		b.renderTasks(w, r, http.StatusBadRequest, f, message(err), "")
		return
	}
	redirect(w, r, Prefix+"tasks/"+url.PathEscape(aws.ToString(out.ReplicationTask.ReplicationTaskIdentifier)))
}

// taskAction is start, resume, reload, stop or delete of the task whose
// ARN is the form's arn. It goes back to the task's page (the list after a
// delete, or when the form says from=list).
func (b *Browser) taskAction(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	arn := aws.String(r.PostFormValue("arn"))
	var err error
	switch action := r.PathValue("action"); action {
	case "start", "resume", "reload":
		how := map[string]types.StartReplicationTaskTypeValue{
			"start":  types.StartReplicationTaskTypeValueStartReplication,
			"resume": types.StartReplicationTaskTypeValueResumeProcessing,
			"reload": types.StartReplicationTaskTypeValueReloadTarget,
		}[action]
		_, err = b.dms.StartReplicationTask(ctx, &dmsapi.StartReplicationTaskInput{ReplicationTaskArn: arn, StartReplicationTaskType: how})
	case "stop":
		_, err = b.dms.StopReplicationTask(ctx, &dmsapi.StopReplicationTaskInput{ReplicationTaskArn: arn})
	case "delete":
		_, err = b.dms.DeleteReplicationTask(ctx, &dmsapi.DeleteReplicationTaskInput{ReplicationTaskArn: arn})
	default:
		b.render(w, r, http.StatusNotFound, "error", &page{Title: "Not found", Error: "No task action " + action})
		return
	}
	id := r.PostFormValue("id")
	toList := r.PostFormValue("from") == "list" || id == ""
	if err != nil {
		if toList {
			b.renderTasks(w, r, http.StatusBadRequest, nil, "", message(err))
		} else {
			b.renderTask(w, r, id, message(err))
		}
		return
	}
	if toList || r.PathValue("action") == "delete" {
		redirect(w, r, Prefix+"tasks")
		return
	}
	redirect(w, r, Prefix+"tasks/"+url.PathEscape(id))
}

type taskData struct {
	Task   types.ReplicationTask
	Tables []types.TableStatistics
	Tags   []types.Tag
	Names  map[string]string
}

func (b *Browser) taskPage(w http.ResponseWriter, r *http.Request) {
	b.renderTask(w, r, r.PathValue("id"), "")
}

func (b *Browser) renderTask(w http.ResponseWriter, r *http.Request, id, banner string) {
	ctx := r.Context()
	out, err := b.dms.DescribeReplicationTasks(ctx, &dmsapi.DescribeReplicationTasksInput{
		Filters: []types.Filter{{Name: aws.String("replication-task-id"), Values: []string{id}}},
	})
	if err != nil || len(out.ReplicationTasks) == 0 {
		msg := "No replication task " + id
		if err != nil {
			msg = message(err)
		}
		b.render(w, r, http.StatusNotFound, "error", &page{Title: "Task not found", Nav: "tasks", Error: msg})
		return
	}
	d := taskData{Task: out.ReplicationTasks[0]}
	var errs []string
	if banner != "" {
		errs = append(errs, banner)
	}
	if d.Tables, err = b.tableStatistics(ctx, d.Task.ReplicationTaskArn); err != nil {
		errs = append(errs, message(err))
	}
	tags, err := b.tags(ctx, []string{aws.ToString(d.Task.ReplicationTaskArn)})
	if err != nil {
		errs = append(errs, message(err))
	}
	d.Tags = tags[aws.ToString(d.Task.ReplicationTaskArn)]
	_, _, d.Names, _ = b.names(ctx)
	refresh := 0
	if !settled(aws.ToString(d.Task.Status)) {
		refresh = 1
	}
	status := http.StatusOK
	if banner != "" {
		status = http.StatusBadRequest
	}
	b.render(w, r, status, "task", &page{Title: "Task " + id, Nav: "tasks", Error: strings.Join(errs, "; "), Refresh: refresh, Data: d})
}

// Serverless replications.

type serverlessData struct {
	// Unavailable is the API's answer when it does not serve the
	// serverless operations.
	Unavailable  string
	Configs      []types.ReplicationConfig
	Replications []types.Replication
	Names        map[string]string
}

func (b *Browser) serverlessPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	var d serverlessData
	var errs []string
	var err error
	d.Configs, err = b.replicationConfigs(ctx)
	if errorCode(err) == "UnknownOperationException" {
		// The hook: the page lists serverless resources once the API
		// serves DescribeReplicationConfigs and DescribeReplications.
		d.Unavailable = message(err)
		b.render(w, r, http.StatusOK, "serverless", &page{Title: "Serverless", Nav: "serverless", Data: d})
		return
	}
	if err != nil {
		errs = append(errs, message(err))
	}
	d.Replications, err = b.replications(ctx)
	if err != nil {
		errs = append(errs, message(err))
	}
	_, _, d.Names, _ = b.names(ctx)
	refresh := 0
	for _, rep := range d.Replications {
		switch aws.ToString(rep.Status) {
		case "created", "stopped", "failed", "deprovisioned", "":
		default:
			refresh = 2
		}
	}
	b.render(w, r, http.StatusOK, "serverless", &page{Title: "Serverless", Nav: "serverless", Error: strings.Join(errs, "; "), Refresh: refresh, Data: d})
}

// Kinesis stream viewer.

type kinesisData struct {
	Builtin bool
	Streams []string
	Stream  string
	Limit   int
	Total   int
	Records []fakekinesis.Record // newest first
}

const defaultLimit = 50

func (b *Browser) kinesisPage(w http.ResponseWriter, r *http.Request) {
	d := kinesisData{Builtin: b.opts.Kinesis != nil, Stream: r.URL.Query().Get("stream"), Limit: defaultLimit}
	if !d.Builtin {
		b.render(w, r, http.StatusOK, "kinesis", &page{Title: "Kinesis", Nav: "kinesis", Data: d})
		return
	}
	if l := r.URL.Query().Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 10000 {
			b.render(w, r, http.StatusBadRequest, "error", &page{Title: "Bad limit", Nav: "kinesis", Error: fmt.Sprintf("limit %q: want a number from 1 to 10000", l)})
			return
		}
		d.Limit = n
	}
	d.Streams = b.opts.Kinesis.StreamNames()
	status := http.StatusOK
	var banner string
	if d.Stream != "" {
		if !slices.Contains(d.Streams, d.Stream) {
			status, banner = http.StatusNotFound, fmt.Sprintf("Stream %s does not exist", d.Stream)
		} else {
			recs := b.opts.Kinesis.Records(d.Stream)
			d.Total = len(recs)
			// Records come shard by shard, each in sequence order; newest
			// first is latest arrival first, then highest sequence number.
			slices.Reverse(recs)
			slices.SortStableFunc(recs, func(a, b fakekinesis.Record) int {
				return b.ApproximateArrivalTimestamp.Compare(a.ApproximateArrivalTimestamp)
			})
			d.Records = recs[:min(d.Limit, len(recs))]
		}
	}
	b.render(w, r, status, "kinesis", &page{Title: "Kinesis", Nav: "kinesis", Error: banner, Data: d})
}
