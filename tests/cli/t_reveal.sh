#!/usr/bin/env bash
# Sensitive fields are masked unless --reveal; contact names "*經理" style.
. "$(dirname "$0")/lib.sh"

init_store
expect 0 customer add 科技有限公司 --code 20240501 --budget 50万 --expected 480.5万
expect 0 contact add 20240501 王經理 --phone 13812345678 --email w@example.com
expect 0 customer show 20240501
lacks "500,000"
lacks "4,805,000"
has "••••"
expect 0 --reveal customer show 20240501
has "500,000"
has "4,805,000"
expect 0 --format json customer show 20240501
has '"budget":null'
has '"hidden":{'
has '"budget":"masked"'
lacks '500000'
expect 0 --reveal --format json customer show 20240501
has '"budget":"500000.00"'
has '"expected":"4805000.00"'
expect 0 contact list 20240501
has "*經理"
lacks "王經理"
has "138****5678"
lacks "13812345678"
lacks "w@example.com"
expect 0 --reveal contact list 20240501
has "王經理"
has "13812345678"
has "w@example.com"
expect 0 customer list
lacks "4,805,000"
expect 0 --reveal customer list
has "4,805,000"
finish
