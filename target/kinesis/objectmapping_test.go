package kinesis

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/minidms/minidms/dms"
)

var customers = &dms.TableDef{
	Schema: "Test",
	Table:  "Customers",
	Columns: []dms.Column{
		{Name: "id", Type: dms.TypeInt4},
		{Name: "FirstName", Type: dms.TypeWString, Length: 50},
		{Name: "LastName", Type: dms.TypeWString, Length: 50},
		{Name: "HomePhone", Type: dms.TypeWString, Length: 20, Nullable: true},
		{Name: "WorkPhone", Type: dms.TypeWString, Length: 20, Nullable: true},
		{Name: "Region", Type: dms.TypeWString, Length: 8, Nullable: true},
		{Name: "Since", Type: dms.TypeDateTime, Nullable: true},
	},
	PrimaryKey: []string{"id"},
}

var (
	jane        = dms.Row{int64(7), "Jane", "Doe", "555-0100", `555 "ext" 7`, "eu", "2021-01-08 09:00:00"}
	janeNoPhone = dms.Row{int64(7), "Jane", "Doe", nil, nil, "eu", nil}
)

// The AWS user guide's example: names and phones leave the record, a
// CustomerName attribute partitions it and the phones move into a
// ContactDetails document (here with an array and an empty object, whose
// printing cJSON's formatter decides).
const recordToRecord = `{"rule-type": "object-mapping", "rule-id": "2", "rule-name": "2", "rule-action": "map-record-to-record",
	"object-locator": {"schema-name": "Test", "table-name": "Customers"},
	"mapping-parameters": {
		"partition-key-type": "attribute-name", "partition-key-name": "CustomerName",
		"exclude-columns": ["FirstName", "LastName", "HomePhone", "WorkPhone"],
		"attribute-mappings": [
			{"target-attribute-name": "CustomerName", "attribute-type": "scalar", "attribute-sub-type": "string", "value": "${LastName}, ${FirstName}"},
			{"target-attribute-name": "ContactDetails", "attribute-type": "document", "attribute-sub-type": "json",
			 "value": "{\"Home\": {\"Phone\": \"${HomePhone}\"}, \"Work\": {\"Phone\": \"${WorkPhone}\"}, \"Tags\": [1, \"a\", {\"since\": \"${Since}\"}], \"Empty\": {}}"}
		]}}`

const recordToDocument = `{"rule-type": "object-mapping", "rule-id": "3", "rule-name": "3", "rule-action": "map-record-to-document",
	"object-locator": {"schema-name": "Test", "table-name": "Cust%"},
	"mapping-parameters": {"partition-key": {"value": "ALL"}, "exclude-columns": ["HomePhone"]}}`

// An attribute named like a column replaces it; the partition key is a
// column.
const overrideColumn = `{"rule-type": "object-mapping", "rule-id": "4", "rule-name": "4", "rule-action": "map-record-to-record",
	"object-locator": {"schema-name": "Test", "table-name": "Customers"},
	"mapping-parameters": {"partition-key-type": "attribute-name", "partition-key-name": "id",
		"attribute-mappings": [{"target-attribute-name": "Region", "value": "${Region}-${id}"}, {"target-attribute-name": "Empty", "value": "${HomePhone}"}]}}`

func TestEncodeObjectMappingUnformatted(t *testing.T) {
	u := "unformatted"
	runGolden(t, []golden{
		{
			name:     "map-record-to-record with exclude-columns, attribute-mappings and an attribute-name partition key",
			settings: settings(u, "pv"),
			rules:    recordToRecord,
			change:   cdc(dms.Change{Op: dms.OpInsert, Table: customers, Data: jane}),
			want:     `{"data":{"id":7,"Region":"eu","Since":"2021-01-08T09:00:00Z","CustomerName":"Doe, Jane","ContactDetails":{"Home":{"Phone":"555-0100"},"Work":{"Phone":"555 \"ext\" 7"},"Tags":[1,"a",{"since":"2021-01-08T09:00:00Z"}],"Empty":{}}},"metadata":{"timestamp":"2024-07-29T00:58:17.983670Z","record-type":"data","operation":"insert","partition-key-type":"attribute-name","partition-key-value":"Doe, Jane","schema-name":"Test","table-name":"Customers","transaction-id":87978110091475}}` + "\n",
			wantKey:  "Doe, Jane",
		},
		{
			name:     "map-record-to-record load",
			settings: settings(u),
			rules:    recordToRecord,
			change:   dms.Change{Op: dms.OpLoad, Table: customers, Data: jane},
			want:     `{"data":{"id":7,"Region":"eu","Since":"2021-01-08T09:00:00Z","CustomerName":"Doe, Jane","ContactDetails":{"Home":{"Phone":"555-0100"},"Work":{"Phone":"555 \"ext\" 7"},"Tags":[1,"a",{"since":"2021-01-08T09:00:00Z"}],"Empty":{}}},"metadata":{"timestamp":"2024-07-29T00:58:17.983670Z","record-type":"data","operation":"load","partition-key-type":"attribute-name","schema-name":"Test","table-name":"Customers"}}` + "\n",
			wantKey:  "Doe, Jane",
		},
		{
			name:     "map-record-to-document with a constant partition key",
			settings: settings(u, "pv"),
			rules:    recordToDocument,
			change:   dms.Change{Op: dms.OpLoad, Table: customers, Data: jane},
			want:     `{"data":{"_doc":{"id":7,"FirstName":"Jane","LastName":"Doe","WorkPhone":"555 \"ext\" 7","Region":"eu","Since":"2021-01-08T09:00:00Z"}},"metadata":{"timestamp":"2024-07-29T00:58:17.983670Z","record-type":"data","operation":"load","partition-key-type":"constant","partition-key-value":"ALL","schema-name":"Test","table-name":"Customers"}}` + "\n",
			wantKey:  "ALL",
		},
		{
			name:     "map-record-to-document update: the before image keeps the columns",
			settings: settings(u),
			task:     beforeImageSettings(true, "pk-only"),
			rules:    recordToDocument,
			change:   cdc(dms.Change{Op: dms.OpUpdate, Table: customers, Data: jane, Before: janeNoPhone}),
			want:     `{"data":{"_doc":{"id":7,"FirstName":"Jane","LastName":"Doe","WorkPhone":"555 \"ext\" 7","Region":"eu","Since":"2021-01-08T09:00:00Z"}},"before-image":{"id":7},"metadata":{"timestamp":"2024-07-29T00:58:17.983670Z","record-type":"data","operation":"update","partition-key-type":"constant","schema-name":"Test","table-name":"Customers","transaction-id":87978110091475}}` + "\n",
			wantKey:  "ALL",
		},
		{
			name:     "attribute replacing a column, a column as partition key, empty attribute left out",
			settings: settings(u, "pv"),
			rules:    overrideColumn,
			change:   cdc(dms.Change{Op: dms.OpDelete, Table: customers, Data: janeNoPhone}),
			want:     `{"data":{"id":7,"FirstName":"Jane","LastName":"Doe","Region":"eu-7"},"metadata":{"timestamp":"2024-07-29T00:58:17.983670Z","record-type":"data","operation":"delete","partition-key-type":"attribute-name","partition-key-value":"7","schema-name":"Test","table-name":"Customers","transaction-id":87978110091475}}` + "\n",
			wantKey:  "7",
		},
		{
			name:     "attribute replacing a column with null and empty",
			settings: settings(u, "null"),
			rules:    overrideColumn,
			change:   cdc(dms.Change{Op: dms.OpInsert, Table: customers, Data: janeNoPhone}),
			want:     `{"data":{"id":7,"FirstName":"Jane","LastName":"Doe","HomePhone":null,"WorkPhone":null,"Since":null,"Region":"eu-7","Empty":""},"metadata":{"timestamp":"2024-07-29T00:58:17.983670Z","record-type":"data","operation":"insert","partition-key-type":"attribute-name","schema-name":"Test","table-name":"Customers","transaction-id":87978110091475}}` + "\n",
			wantKey:  "7",
		},
		{
			name:     "control records are unaffected",
			settings: settings(u, "pv"),
			rules:    recordToDocument,
			change:   dms.Change{Op: dms.OpCreateTable, Table: customers},
			want:     `{"metadata":{"timestamp":"2024-07-29T00:58:17.983670Z","record-type":"control","operation":"create-table","partition-key-type":"task-id","partition-key-value":"DZ6OKLFYA5BWVG4RYROQUHXU4E","schema-name":"Test","table-name":"Customers"}}` + "\n",
			wantKey:  "DZ6OKLFYA5BWVG4RYROQUHXU4E.Test.Customers",
		},
		{
			name:     "a table no rule names is unaffected",
			settings: settings(u),
			rules:    recordToRecord,
			change:   dms.Change{Op: dms.OpLoad, Table: demo, Data: dms.Row{int64(393), "Jane", nil}},
			want:     `{"data":{"id":393,"name":"Jane"},"metadata":{"timestamp":"2024-07-29T00:58:17.983670Z","record-type":"data","operation":"load","partition-key-type":"primary-key","schema-name":"public","table-name":"demo"}}` + "\n",
			wantKey:  "393",
		},
	})
}

func TestEncodeObjectMappingFormatted(t *testing.T) {
	runGolden(t, []golden{
		{
			name:     "map-record-to-record",
			settings: settings("json", "pv"),
			rules:    recordToRecord,
			change:   cdc(dms.Change{Op: dms.OpInsert, Table: customers, Data: jane}),
			want: `{
	"data":	{
		"id":	7,
		"Region":	"eu",
		"Since":	"2021-01-08T09:00:00Z",
		"CustomerName":	"Doe, Jane",
		"ContactDetails":	{
			"Home":	{
				"Phone":	"555-0100"
			},
			"Work":	{
				"Phone":	"555 \"ext\" 7"
			},
			"Tags":	[1, "a", {
					"since":	"2021-01-08T09:00:00Z"
				}],
			"Empty":	{
			}
		}
	},
	"metadata":	{
		"timestamp":	"2024-07-29T00:58:17.983670Z",
		"record-type":	"data",
		"operation":	"insert",
		"partition-key-type":	"attribute-name",
		"partition-key-value":	"Doe, Jane",
		"schema-name":	"Test",
		"table-name":	"Customers",
		"transaction-id":	87978110091475
	}
}`,
			wantKey: "Doe, Jane",
		},
		{
			name:     "map-record-to-document",
			settings: settings("", "pv"),
			rules:    recordToDocument,
			change:   dms.Change{Op: dms.OpLoad, Table: customers, Data: jane},
			want: `{
	"data":	{
		"_doc":	{
			"id":	7,
			"FirstName":	"Jane",
			"LastName":	"Doe",
			"WorkPhone":	"555 \"ext\" 7",
			"Region":	"eu",
			"Since":	"2021-01-08T09:00:00Z"
		}
	},
	"metadata":	{
		"timestamp":	"2024-07-29T00:58:17.983670Z",
		"record-type":	"data",
		"operation":	"load",
		"partition-key-type":	"constant",
		"partition-key-value":	"ALL",
		"schema-name":	"Test",
		"table-name":	"Customers"
	}
}`,
			wantKey: "ALL",
		},
	})
}

func TestEncodeObjectMappingErrors(t *testing.T) {
	for _, tt := range []struct {
		name  string
		rules string
		want  string
	}{
		{
			"partition key naming nothing",
			`{"rule-type": "object-mapping", "rule-id": "5", "rule-name": "5", "rule-action": "map-record-to-record", "object-locator": {"schema-name": "Test", "table-name": "Customers"},
			  "mapping-parameters": {"partition-key-type": "attribute-name", "partition-key-name": "nope"}}`,
			"table Test.Customers: object-mapping rule 5: partition-key-name nope is neither an attribute nor a column",
		},
		{
			"template naming a missing column",
			`{"rule-type": "object-mapping", "rule-id": "6", "rule-name": "6", "rule-action": "map-record-to-record", "object-locator": {"schema-name": "Test", "table-name": "Customers"},
			  "mapping-parameters": {"attribute-mappings": [{"target-attribute-name": "x", "value": "${nope}"}]}}`,
			"table Test.Customers: object-mapping rule 6: attribute x references unknown column nope",
		},
		{
			"json attribute that is not JSON",
			`{"rule-type": "object-mapping", "rule-id": "7", "rule-name": "7", "rule-action": "map-record-to-record", "object-locator": {"schema-name": "Test", "table-name": "Customers"},
			  "mapping-parameters": {"attribute-mappings": [{"target-attribute-name": "Doc", "attribute-type": "document", "value": "{\"n\": ${FirstName}}"}]}}`,
			`table Test.Customers: object-mapping rule 7: attribute Doc: value is not valid JSON: "{\"n\": Jane}"`,
		},
		{
			"json attribute nested too deeply",
			`{"rule-type": "object-mapping", "rule-id": "8", "rule-name": "8", "rule-action": "map-record-to-record", "object-locator": {"schema-name": "Test", "table-name": "Customers"},
			  "mapping-parameters": {"attribute-mappings": [{"target-attribute-name": "Deep", "attribute-sub-type": "json", "value": "` + strings.Repeat("[", 40) + strings.Repeat("]", 40) + `"}]}}`,
			"table Test.Customers: object-mapping rule 8: attribute Deep: value nests deeper than 32 levels",
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			enc := NewEncoder(settings("unformatted"))
			c := dms.Change{Op: dms.OpLoad, Table: customers, Data: jane}
			out, _, ok, err := enc.Encode([]byte("x"), taskInfo(t, nil, tt.rules), &c, nil, clock)
			require.EqualError(t, err, tt.want)
			require.False(t, ok)
			require.Equal(t, "x", string(out))
		})
	}
}
