# The 2019 breach in one Terraform file: a web server that still answers IMDSv1, an instance profile, and a
# role that can read every bucket. trustgate should refuse this pull request.
# (examples/bad/capital-one-chain.yaml is the same chain in CloudFormation.)

variable "ami_id" {
  type = string
}

resource "aws_instance" "web_server" {
  ami                  = var.ami_id
  instance_type        = "t3.micro"
  iam_instance_profile = aws_iam_instance_profile.web_server.name

  metadata_options {
    http_tokens   = "optional"
    http_endpoint = "enabled"
  }
}

resource "aws_iam_instance_profile" "web_server" {
  name = "web-server"
  role = aws_iam_role.web_server.name
}

resource "aws_iam_role" "web_server" {
  name = "web-server"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "ec2.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
}

resource "aws_iam_role_policy" "read_data" {
  name = "read-data"
  role = aws_iam_role.web_server.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = ["s3:ListBucket", "s3:GetObject"]
      Resource = "*"
    }]
  })
}
