package terraform

// BootstrapParameters are the SSM parameters bootstrap writes for an
// environment and the service stack reads when it plans: its network and
// its alarm topic's key. The pipeline never sets alarm_topic_arn, so the
// service stack always makes its own topic and reads the key. Without
// them, a deploy fails at its first plan, after the build and the scan.
func BootstrapParameters(app, environment string) []string {
	prefix := "/" + app + "/" + environment + "/"
	return []string{prefix + "network", prefix + "alarm-topic-key"}
}
