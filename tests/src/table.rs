//! The DynamoDB table of `template.yaml`, made in moto: the same keys and indexes, read from
//! the template itself so the tests cannot drift from what is deployed.

use std::sync::OnceLock;

use aws_sdk_dynamodb::{
    Client,
    types::{
        AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
        ProjectionType, ScalarAttributeType, TimeToLiveSpecification,
    },
};
use serde_yaml::Value;

const TEMPLATE: &str = include_str!("../../template.yaml");

fn table_properties() -> &'static Value {
    static PROPS: OnceLock<Value> = OnceLock::new();
    PROPS.get_or_init(|| {
        let doc: Value = serde_yaml::from_str(TEMPLATE).expect("template.yaml is YAML");
        doc["Resources"]["Table"]["Properties"].clone()
    })
}

fn text(v: &Value) -> &str {
    v.as_str().unwrap_or_else(|| panic!("template.yaml: expected a string, found {v:?}"))
}

fn key_schema(v: &Value) -> Vec<KeySchemaElement> {
    v.as_sequence()
        .expect("KeySchema")
        .iter()
        .map(|k| {
            KeySchemaElement::builder()
                .attribute_name(text(&k["AttributeName"]))
                .key_type(KeyType::from(text(&k["KeyType"])))
                .build()
                .expect("key schema element")
        })
        .collect()
}

/// Creates a new, uniquely named table as the template declares it and returns its name.
pub async fn create_fresh(client: &Client) -> String {
    let p = table_properties();
    let name = format!("nudge-test-{}", uuid::Uuid::new_v4().simple());
    assert_eq!(text(&p["BillingMode"]), "PAY_PER_REQUEST");
    let mut req = client
        .create_table()
        .table_name(&name)
        .billing_mode(BillingMode::PayPerRequest)
        .set_key_schema(Some(key_schema(&p["KeySchema"])));
    for a in p["AttributeDefinitions"].as_sequence().expect("AttributeDefinitions") {
        req = req.attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name(text(&a["AttributeName"]))
                .attribute_type(ScalarAttributeType::from(text(&a["AttributeType"])))
                .build()
                .expect("attribute definition"),
        );
    }
    for g in p["GlobalSecondaryIndexes"].as_sequence().expect("GlobalSecondaryIndexes") {
        req = req.global_secondary_indexes(
            GlobalSecondaryIndex::builder()
                .index_name(text(&g["IndexName"]))
                .set_key_schema(Some(key_schema(&g["KeySchema"])))
                .projection(
                    Projection::builder()
                        .projection_type(ProjectionType::from(text(&g["Projection"]["ProjectionType"])))
                        .build(),
                )
                .build()
                .expect("index"),
        );
    }
    req.send().await.expect("create table in moto");
    let ttl = &p["TimeToLiveSpecification"];
    client
        .update_time_to_live()
        .table_name(&name)
        .time_to_live_specification(
            TimeToLiveSpecification::builder()
                .attribute_name(text(&ttl["AttributeName"]))
                .enabled(ttl["Enabled"].as_bool().expect("Enabled"))
                .build()
                .expect("ttl"),
        )
        .send()
        .await
        .expect("enable TTL in moto");
    name
}
