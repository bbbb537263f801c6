package mapping

// Error is a validation error in a table-mapping or task-settings document.
// AWS returns these as InvalidParameterValueException (HTTP 400) with
// Message as the error message; Error returns Message unchanged so the API
// layer can pass it through.
type Error struct {
	// RuleID is the rule-id of the offending table-mapping rule, or "" when
	// the error is not about one rule.
	RuleID string
	// Field names the offending key: a rule key such as "object-locator" or
	// "rule-id", a JSON path such as "$.rules[0].rule-type" for a document of
	// the wrong shape, or a settings path such as
	// "FullLoadSettings.CommitRate". It is "" for JSON syntax errors.
	Field string
	// Message is the error message as AWS words it.
	Message string
}

func (e *Error) Error() string { return e.Message }
