package fakedms

// Endpoints: Create/Describe/Modify/DeleteEndpoint, DescribeEndpointTypes,
// DescribeEndpointSettings.

import (
	"context"
	"reflect"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	dmsapi "github.com/aws/aws-sdk-go-v2/service/databasemigrationservice"
	"github.com/aws/aws-sdk-go-v2/service/databasemigrationservice/types"

	kinesistarget "github.com/minidms/minidms/target/kinesis"
)

func endpointType(v types.ReplicationEndpointTypeValue) (types.ReplicationEndpointTypeValue, error) {
	switch strings.ToLower(string(v)) {
	case "source":
		return types.ReplicationEndpointTypeValueSource, nil
	case "target":
		return types.ReplicationEndpointTypeValueTarget, nil
	case "":
		return "", invalidParam("The parameter EndpointType must be provided and must not be blank.")
	}
	return "", invalidParam("Invalid EndpointType %s: must be source or target", v)
}

// checkEndpoint validates what an endpoint definition needs whatever the
// call that made it.
func checkEndpoint(ep *types.Endpoint) error {
	name := aws.ToString(ep.EngineName)
	et := types.ReplicationEndpointTypeValue(strings.ToLower(string(ep.EndpointType)))
	e, ok := engineOf(name, et)
	if !ok {
		var names []string
		for _, e := range engineTypes {
			if !slices.Contains(names, e.name) {
				names = append(names, e.name)
			}
		}
		return invalidParam("Engine name %s is not supported by fakedms (supported: %s)", name, strings.Join(names, ", "))
	}
	if e.endpointType != et {
		return invalidParam("Engine %s cannot be used as a %s endpoint", name, et)
	}
	if name == "kinesis" {
		if ep.KinesisSettings == nil || aws.ToString(ep.KinesisSettings.StreamArn) == "" {
			return invalidParam("KinesisSettings.StreamArn is required for a kinesis endpoint")
		}
		if _, err := kinesistarget.StreamName(*ep.KinesisSettings.StreamArn); err != nil {
			return invalidParam("Invalid KinesisSettings: %v", err)
		}
		switch ep.KinesisSettings.MessageFormat {
		case "", types.MessageFormatValueJson, types.MessageFormatValueJsonUnformatted:
		default:
			return invalidParam("Invalid KinesisSettings.MessageFormat %s: must be json or json-unformatted", ep.KinesisSettings.MessageFormat)
		}
	}
	if name == "s3" && et == types.ReplicationEndpointTypeValueSource {
		return checkS3Source(ep)
	}
	return nil
}

// completeEndpoint fills in what AWS reports for settings the caller left
// out: the display name, the type in upper case, MySQL connection details
// mirrored into MySQLSettings, the Kinesis defaults.
func completeEndpoint(ep *types.Endpoint) {
	et := types.ReplicationEndpointTypeValue(strings.ToLower(string(ep.EndpointType)))
	if e, ok := engineOf(aws.ToString(ep.EngineName), et); ok {
		ep.EngineDisplayName = aws.String(e.display)
	}
	ep.EndpointType = types.ReplicationEndpointTypeValue(strings.ToUpper(string(et)))
	if ep.SslMode == "" {
		ep.SslMode = types.DmsSslModeValueNone
	}
	if ep.ExtraConnectionAttributes == nil {
		ep.ExtraConnectionAttributes = aws.String("")
	}
	switch aws.ToString(ep.EngineName) {
	case "mysql", "mariadb", "aurora":
		s := types.MySQLSettings{}
		if ep.MySQLSettings != nil {
			s = *ep.MySQLSettings
		}
		if s.ServerName == nil {
			s.ServerName = ep.ServerName
		}
		if s.Port == nil {
			s.Port = ep.Port
		}
		if s.Username == nil {
			s.Username = ep.Username
		}
		if s.DatabaseName == nil {
			s.DatabaseName = ep.DatabaseName
		}
		ep.MySQLSettings = &s
	case "kinesis":
		s := *ep.KinesisSettings
		if s.MessageFormat == "" {
			s.MessageFormat = types.MessageFormatValueJson
		}
		for _, b := range []**bool{&s.IncludeTransactionDetails, &s.IncludePartitionValue, &s.PartitionIncludeSchemaTable,
			&s.IncludeTableAlterOperations, &s.IncludeControlDetails, &s.IncludeNullAndEmpty, &s.NoHexPrefix, &s.UseLargeIntegerValue} {
			if *b == nil {
				*b = aws.Bool(false)
			}
		}
		ep.KinesisSettings = &s
	}
}

// redacted returns a copy of v (a struct) without the members whose name
// ends in Password, in it and in the settings structs it points to, which
// are copied, not changed.
func redacted(v reflect.Value) reflect.Value {
	out := reflect.New(v.Type()).Elem()
	out.Set(v)
	for i := range v.NumField() {
		f := v.Type().Field(i)
		fv := out.Field(i)
		if !f.IsExported() || fv.Kind() != reflect.Pointer || fv.IsNil() {
			continue
		}
		switch {
		case strings.HasSuffix(f.Name, "Password"):
			fv.SetZero()
		case fv.Elem().Kind() == reflect.Struct:
			p := reflect.New(fv.Elem().Type())
			p.Elem().Set(redacted(fv.Elem()))
			fv.Set(p)
		}
	}
	return out
}

func (h *Handler) endpointViewLocked(e *endpoint, status string) *types.Endpoint {
	ep := redacted(reflect.ValueOf(e.ep)).Interface().(types.Endpoint)
	if status == "" {
		status = "active"
		if !e.deleted.IsZero() {
			status = "deleting"
		}
	}
	ep.Status = aws.String(status)
	return &ep
}

func (h *Handler) createEndpoint(_ context.Context, in *dmsapi.CreateEndpointInput) (*dmsapi.CreateEndpointOutput, error) {
	if err := required("EndpointIdentifier", in.EndpointIdentifier); err != nil {
		return nil, err
	}
	if err := required("EngineName", in.EngineName); err != nil {
		return nil, err
	}
	if err := validIdentifier("EndpointIdentifier", *in.EndpointIdentifier, 255); err != nil {
		return nil, err
	}
	if err := validResourceIdentifier(in.ResourceIdentifier); err != nil {
		return nil, err
	}
	et, err := endpointType(in.EndpointType)
	if err != nil {
		return nil, err
	}
	ep := types.Endpoint{
		CertificateArn:             in.CertificateArn,
		DatabaseName:               in.DatabaseName,
		DmsTransferSettings:        in.DmsTransferSettings,
		DocDbSettings:              in.DocDbSettings,
		DynamoDbSettings:           in.DynamoDbSettings,
		ElasticsearchSettings:      in.ElasticsearchSettings,
		EndpointIdentifier:         in.EndpointIdentifier,
		EndpointType:               et,
		EngineName:                 aws.String(strings.ToLower(*in.EngineName)),
		ExternalTableDefinition:    in.ExternalTableDefinition,
		ExtraConnectionAttributes:  in.ExtraConnectionAttributes,
		GcpMySQLSettings:           in.GcpMySQLSettings,
		IBMDb2Settings:             in.IBMDb2Settings,
		KafkaSettings:              in.KafkaSettings,
		KinesisSettings:            in.KinesisSettings,
		MicrosoftSQLServerSettings: in.MicrosoftSQLServerSettings,
		MongoDbSettings:            in.MongoDbSettings,
		MySQLSettings:              in.MySQLSettings,
		NeptuneSettings:            in.NeptuneSettings,
		OracleSettings:             in.OracleSettings,
		Port:                       in.Port,
		PostgreSQLSettings:         in.PostgreSQLSettings,
		RedisSettings:              in.RedisSettings,
		RedshiftSettings:           in.RedshiftSettings,
		S3Settings:                 in.S3Settings,
		ServerName:                 in.ServerName,
		ServiceAccessRoleArn:       in.ServiceAccessRoleArn,
		SslMode:                    in.SslMode,
		SybaseSettings:             in.SybaseSettings,
		TimestreamSettings:         in.TimestreamSettings,
		Username:                   in.Username,
	}
	if err := checkEndpoint(&ep); err != nil {
		return nil, err
	}
	completeEndpoint(&ep)

	now := h.lock()
	defer h.unlock()
	for _, other := range h.st.endpoints {
		if strings.EqualFold(aws.ToString(other.ep.EndpointIdentifier), *in.EndpointIdentifier) {
			return nil, alreadyExists(aws.ToString(other.ep.EndpointArn), "Endpoint %s already exists", *in.EndpointIdentifier)
		}
	}
	arn := h.arn(arnEndpoint, newResourceID(in.ResourceIdentifier))
	if _, ok := h.st.endpoints[arn]; ok {
		return nil, alreadyExists(arn, "Resource with ResourceIdentifier %s already exists", aws.ToString(in.ResourceIdentifier))
	}
	ep.EndpointArn = aws.String(arn)
	ep.KmsKeyId = aws.String(h.kmsKey(in.KmsKeyId))
	e := &endpoint{lifecycle: lifecycle{created: now}, ep: ep, password: aws.ToString(in.Password)}
	h.st.endpoints[arn] = e
	h.setTagsLocked(arn, in.Tags)
	return &dmsapi.CreateEndpointOutput{Endpoint: h.endpointViewLocked(e, "")}, nil
}

func (h *Handler) endpointLocked(arn *string) (*endpoint, error) {
	if err := required("EndpointArn", arn); err != nil {
		return nil, err
	}
	e, ok := h.st.endpoints[*arn]
	if !ok {
		return nil, notFound("Endpoint %s not found", *arn)
	}
	return e, nil
}

func endpointFilters() filterFields[*types.Endpoint] {
	return filterFields[*types.Endpoint]{
		"endpoint-arn":  func(e *types.Endpoint) []string { return []string{aws.ToString(e.EndpointArn)} },
		"endpoint-type": func(e *types.Endpoint) []string { return []string{string(e.EndpointType)} },
		"endpoint-id":   func(e *types.Endpoint) []string { return []string{aws.ToString(e.EndpointIdentifier)} },
		"engine-name":   func(e *types.Endpoint) []string { return []string{aws.ToString(e.EngineName)} },
	}
}

func (h *Handler) describeEndpoints(_ context.Context, in *dmsapi.DescribeEndpointsInput) (*dmsapi.DescribeEndpointsOutput, error) {
	h.lock()
	var all []*types.Endpoint
	for _, e := range h.st.endpoints {
		all = append(all, h.endpointViewLocked(e, ""))
	}
	h.unlock()
	slices.SortFunc(all, func(a, b *types.Endpoint) int { return strings.Compare(*a.EndpointIdentifier, *b.EndpointIdentifier) })
	pg, marker, err := describePage(all, endpointFilters(), in.Filters, true, "No Endpoints found matching provided filters", in.Marker, in.MaxRecords)
	if err != nil {
		return nil, err
	}
	return &dmsapi.DescribeEndpointsOutput{Endpoints: pg, Marker: marker}, nil
}

// mergeSettings copies the members set in src (pointers, slices, enums)
// over dst, both pointers to the same settings struct type.
func mergeSettings(dst, src reflect.Value) {
	d, s := dst.Elem(), src.Elem()
	for i := range s.NumField() {
		if f := s.Type().Field(i); f.IsExported() && !omitted(s.Field(i)) {
			d.Field(i).Set(s.Field(i))
		}
	}
}

func (h *Handler) modifyEndpoint(_ context.Context, in *dmsapi.ModifyEndpointInput) (*dmsapi.ModifyEndpointOutput, error) {
	h.lock()
	defer h.unlock()
	e, err := h.endpointLocked(in.EndpointArn)
	if err != nil {
		return nil, err
	}
	if !e.deleted.IsZero() {
		return nil, invalidState("Endpoint %s is being deleted", aws.ToString(e.ep.EndpointIdentifier))
	}
	next := e.ep
	if in.EndpointIdentifier != nil {
		if err := validIdentifier("EndpointIdentifier", *in.EndpointIdentifier, 255); err != nil {
			return nil, err
		}
		for arn, other := range h.st.endpoints {
			if arn != *in.EndpointArn && strings.EqualFold(aws.ToString(other.ep.EndpointIdentifier), *in.EndpointIdentifier) {
				return nil, alreadyExists(arn, "Endpoint %s already exists", *in.EndpointIdentifier)
			}
		}
	}
	if in.EndpointType != "" {
		if _, err := endpointType(in.EndpointType); err != nil {
			return nil, err
		}
	}
	// Top-level members replace; settings structs merge member by member
	// unless ExactSettings, when they replace too. Both share names.
	iv, nv := reflect.ValueOf(in).Elem(), reflect.ValueOf(&next).Elem()
	for i := range iv.NumField() {
		f := iv.Type().Field(i)
		src := iv.Field(i)
		dst := nv.FieldByName(f.Name)
		if !dst.IsValid() || !f.IsExported() || omitted(src) || f.Name == "EndpointArn" {
			continue
		}
		if strings.HasSuffix(f.Name, "Settings") && src.Kind() == reflect.Pointer && !dst.IsNil() && !aws.ToBool(in.ExactSettings) {
			merged := reflect.New(dst.Elem().Type())
			merged.Elem().Set(dst.Elem())
			mergeSettings(merged, src)
			dst.Set(merged)
			continue
		}
		dst.Set(src)
	}
	next.EngineName = aws.String(strings.ToLower(aws.ToString(next.EngineName)))
	if err := checkEndpoint(&next); err != nil {
		return nil, err
	}
	completeEndpoint(&next)
	e.ep = next
	if in.Password != nil {
		e.password = *in.Password
	}
	e.version++
	return &dmsapi.ModifyEndpointOutput{Endpoint: h.endpointViewLocked(e, "")}, nil
}

func (h *Handler) deleteEndpoint(_ context.Context, in *dmsapi.DeleteEndpointInput) (*dmsapi.DeleteEndpointOutput, error) {
	now := h.lock()
	defer h.unlock()
	e, err := h.endpointLocked(in.EndpointArn)
	if err != nil {
		return nil, err
	}
	if !e.deleted.IsZero() {
		return nil, invalidState("Endpoint %s is already being deleted", aws.ToString(e.ep.EndpointIdentifier))
	}
	for _, t := range sorted(h.st.tasks) {
		if t.sourceArn == *in.EndpointArn || t.targetArn == *in.EndpointArn {
			return nil, invalidState("Endpoint %s cannot be deleted: it is used by replication task %s", aws.ToString(e.ep.EndpointIdentifier), t.identifier)
		}
	}
	for _, rc := range sorted(h.st.configs) {
		if rc.t.sourceArn == *in.EndpointArn || rc.t.targetArn == *in.EndpointArn {
			return nil, invalidState("Endpoint %s cannot be deleted: it is used by replication config %s", aws.ToString(e.ep.EndpointIdentifier), rc.t.identifier)
		}
	}
	e.deleted = now
	for k := range h.st.connections {
		if k.endpointArn == *in.EndpointArn {
			delete(h.st.connections, k)
		}
	}
	return &dmsapi.DeleteEndpointOutput{Endpoint: h.endpointViewLocked(e, "deleting")}, nil
}

func endpointTypeFilters() filterFields[types.SupportedEndpointType] {
	return filterFields[types.SupportedEndpointType]{
		"engine-name":   func(t types.SupportedEndpointType) []string { return []string{aws.ToString(t.EngineName)} },
		"endpoint-type": func(t types.SupportedEndpointType) []string { return []string{string(t.EndpointType)} },
	}
}

func (h *Handler) describeEndpointTypes(_ context.Context, in *dmsapi.DescribeEndpointTypesInput) (*dmsapi.DescribeEndpointTypesOutput, error) {
	var all []types.SupportedEndpointType
	for _, e := range engineTypes {
		all = append(all, types.SupportedEndpointType{
			EndpointType:                            e.endpointType,
			EngineDisplayName:                       aws.String(e.display),
			EngineName:                              aws.String(e.name),
			ReplicationInstanceEngineMinimumVersion: aws.String(e.minVersion),
			SupportsCDC:                             e.cdc,
		})
	}
	matched, err := endpointTypeFilters().match(all, in.Filters, true)
	if err != nil {
		return nil, err
	}
	pg, marker, err := page(matched, in.Marker, in.MaxRecords, maxMaxRecords)
	if err != nil {
		return nil, err
	}
	return &dmsapi.DescribeEndpointTypesOutput{SupportedEndpointTypes: pg, Marker: marker}, nil
}

func boolSetting(name, applicability string) types.EndpointSetting {
	return types.EndpointSetting{Name: aws.String(name), Type: types.EndpointSettingTypeValueBoolean, Applicability: aws.String(applicability), DefaultValue: aws.String("false")}
}

// endpointSettings lists the extra connection attributes of the engines
// fakedms runs; it is what DescribeEndpointSettings reports.
func endpointSettings(engine string) []types.EndpointSetting {
	switch engine {
	case "mysql", "mariadb", "aurora":
		return []types.EndpointSetting{
			{Name: aws.String("afterConnectScript"), Type: types.EndpointSettingTypeValueString, Applicability: aws.String("source")},
			{Name: aws.String("eventsPollInterval"), Type: types.EndpointSettingTypeValueInteger, Units: aws.String("seconds"), IntValueMin: aws.Int32(1), IntValueMax: aws.Int32(60), DefaultValue: aws.String("5"), Applicability: aws.String("source")},
			{Name: aws.String("serverTimezone"), Type: types.EndpointSettingTypeValueString, Applicability: aws.String("source")},
			{Name: aws.String("parallelLoadThreads"), Type: types.EndpointSettingTypeValueInteger, IntValueMin: aws.Int32(1), IntValueMax: aws.Int32(5), DefaultValue: aws.String("1"), Applicability: aws.String("target")},
			{Name: aws.String("targetDbType"), Type: types.EndpointSettingTypeValueEnum, EnumValues: []string{"specific-database", "multiple-databases"}, DefaultValue: aws.String("multiple-databases"), Applicability: aws.String("target")},
		}
	case "kinesis":
		return []types.EndpointSetting{
			{Name: aws.String("messageFormat"), Type: types.EndpointSettingTypeValueEnum, EnumValues: []string{"json", "json-unformatted"}, DefaultValue: aws.String("json"), Applicability: aws.String("target")},
			boolSetting("includeControlDetails", "target"),
			boolSetting("includeNullAndEmpty", "target"),
			boolSetting("includePartitionValue", "target"),
			boolSetting("includeTableAlterOperations", "target"),
			boolSetting("includeTransactionDetails", "target"),
			boolSetting("partitionIncludeSchemaTable", "target"),
			boolSetting("noHexPrefix", "target"),
			boolSetting("useLargeIntegerValue", "target"),
		}
	case "postgres", "aurora-postgresql":
		return []types.EndpointSetting{
			{Name: aws.String("captureDDLs"), Type: types.EndpointSettingTypeValueBoolean, DefaultValue: aws.String("true"), Applicability: aws.String("source")},
			{Name: aws.String("ddlArtifactsSchema"), Type: types.EndpointSettingTypeValueString, DefaultValue: aws.String("public"), Applicability: aws.String("source")},
			boolSetting("heartbeatEnable", "source"),
			{Name: aws.String("heartbeatFrequency"), Type: types.EndpointSettingTypeValueInteger, Units: aws.String("minutes"), DefaultValue: aws.String("5"), Applicability: aws.String("source")},
			{Name: aws.String("pluginName"), Type: types.EndpointSettingTypeValueEnum, EnumValues: []string{"no-preference", "test-decoding", "pglogical"}, DefaultValue: aws.String("no-preference"), Applicability: aws.String("source")},
			{Name: aws.String("slotName"), Type: types.EndpointSettingTypeValueString, Applicability: aws.String("source")},
		}
	case "s3":
		return []types.EndpointSetting{
			{Name: aws.String("bucketFolder"), Type: types.EndpointSettingTypeValueString, Applicability: aws.String("source")},
			{Name: aws.String("bucketName"), Type: types.EndpointSettingTypeValueString, Applicability: aws.String("source")},
			{Name: aws.String("cdcPath"), Type: types.EndpointSettingTypeValueString, Applicability: aws.String("source")},
			{Name: aws.String("csvDelimiter"), Type: types.EndpointSettingTypeValueString, DefaultValue: aws.String(","), Applicability: aws.String("source")},
			{Name: aws.String("csvNullValue"), Type: types.EndpointSettingTypeValueString, Applicability: aws.String("source")},
			{Name: aws.String("csvRowDelimiter"), Type: types.EndpointSettingTypeValueString, DefaultValue: aws.String("\\n"), Applicability: aws.String("source")},
			{Name: aws.String("ignoreHeaderRows"), Type: types.EndpointSettingTypeValueInteger, IntValueMin: aws.Int32(0), IntValueMax: aws.Int32(1), DefaultValue: aws.String("0"), Applicability: aws.String("source")},
			{Name: aws.String("rfc4180"), Type: types.EndpointSettingTypeValueBoolean, DefaultValue: aws.String("true"), Applicability: aws.String("source")},
		}
	}
	return nil
}

func (h *Handler) describeEndpointSettings(_ context.Context, in *dmsapi.DescribeEndpointSettingsInput) (*dmsapi.DescribeEndpointSettingsOutput, error) {
	if err := required("EngineName", in.EngineName); err != nil {
		return nil, err
	}
	pg, marker, err := page(endpointSettings(strings.ToLower(*in.EngineName)), in.Marker, in.MaxRecords, maxMaxRecords)
	if err != nil {
		return nil, err
	}
	if pg == nil {
		pg = []types.EndpointSetting{}
	}
	return &dmsapi.DescribeEndpointSettingsOutput{EndpointSettings: pg, Marker: marker}, nil
}
