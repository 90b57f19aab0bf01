# A module of several files: the instance here, its role in iam.tf, the setting in terraform.tfvars.
resource "aws_launch_template" "proxy" {
  name = "proxy"
  iam_instance_profile {
    arn = aws_iam_instance_profile.proxy.arn
  }
  metadata_options {
    http_endpoint = "enabled"
    http_tokens   = var.http_tokens
  }
}

resource "aws_autoscaling_group" "proxy" {
  min_size = 1
  max_size = 2
  launch_template {
    id      = aws_launch_template.proxy.id
    version = "$Latest"
  }
}
